"""Assistance pages, one module per page group: households (my households, one household's plan and visits,
the measure edit form, the handbook), coverage (the coverage worklist), catalogue (the measure catalogue) and
lists (the responsibility lists: cadres, work teams, paired units, leaders, social helpers, key matters).
The URLs are in assistance/urls.py; common.py holds what the pages share."""
