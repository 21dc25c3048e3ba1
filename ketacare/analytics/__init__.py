"""Patient trajectories and the programme's outcome measures, pure Python (no Django).

`tlfb`: timeline follow-back summaries (percent days abstinent, heavy-drinking days, drinks per
drinking day), self-report against biological tests, and time to relapse by a chosen definition.
"""
