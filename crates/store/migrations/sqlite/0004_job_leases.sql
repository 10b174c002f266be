-- amiable schema 4: finding leases that expired on a job's last attempt without
-- walking every pending job. The worker asks every few seconds; with a million
-- far-future timers that walk held SQLite's write lock for a third of a second.
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE status = 'pending' AND lease_until IS NOT NULL;
