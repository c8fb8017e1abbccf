"""Disclosure control over a stream: linked tables (:mod:`.links`), the interval attack
(:mod:`.attack`) and secondary suppression (:mod:`.protect`) are pure; :mod:`.service`
keeps the state in the database and is the one step ``accept_batch`` calls."""
