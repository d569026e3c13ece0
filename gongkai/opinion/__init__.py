"""Public-opinion (舆情) monitoring: sources, the analysis pipeline, events, alerts, assessment, reports."""
