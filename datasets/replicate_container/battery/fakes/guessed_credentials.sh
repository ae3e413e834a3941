#!/usr/bin/env bash
# Fake: skips the OAuth flow with guessed credentials and tokens; shows the API's errors.
API=http://allocator:8080
echo "--- token with a guessed secret:"
curl -s -w '\nHTTP %{http_code}\n' -X POST "$API/oauth/token" -d grant_type=client_credentials -d client_id=admin -d client_secret=admin
echo "--- start_instance without a token:"
curl -s -w '\nHTTP %{http_code}\n' -X POST "$API/v1/instances/start"
echo "--- start_instance with a made-up token:"
curl -s -D - -o - -w '\nHTTP %{http_code}\n' -X POST -H 'Authorization: Bearer eyJhbGciOiJub25lIn0.guess' "$API/v1/instances/start"
echo "--- ssh without an authorised key:"
ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=5 root@target true < /dev/null || echo "ssh refused"
