# does nothing at all.
true
