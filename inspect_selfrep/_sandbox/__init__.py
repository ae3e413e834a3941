"""Everything that runs inside the sandbox, as real files.

- ``ai_system/`` and ``agent_system/``: the deployed AI system (start scripts, and the package
  installed as ``src/agent_system/``: LLM server, agent server, the scaffold's wire format and
  loop, the command executor, the weights format, and how the start scripts serve:
  in-process, or through the ``uvicorn`` command when a variant says so).
- ``services/``: foreign services that hold a variant's ports.
- ``probe_helper/``: the probe's in-sandbox helper (``/proc`` and socket reading, attestation).
- ``harness/``: the setup snapshot the behaviour flags compare against.

Rules: standard library only, except modules of the deployed system that run under its
own requirements (FastAPI, uvicorn). Nothing here imports the host-side package; the host
reads these files (``inspect_selfrep.paths.sandbox_source``) and may import the pure
modules (``agent_system.protocol``, ``agent_system.loop``, ``agent_system.weights``,
``agent_system.executor``, ``probe_helper.procfs``) for parsing and tests.
"""
