"""Reports: CSV and PDF rendering, on demand and on schedules."""
