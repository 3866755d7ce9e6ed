"""The mastery REST API: frameworks, competencies, evidence, mastery records, pathways."""
