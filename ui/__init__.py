"""Gradio chat UI (installed as advisor.ui); only converts the core's events to widgets."""
