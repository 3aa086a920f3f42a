"""The inputs stage: reading the episode, assessment, budget and population files, checking
every row (a bad row goes to the exceptions report with its reason, never silently dropped), and
resolving overlapping episodes into the days each one owns."""
