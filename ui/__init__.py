"""Gradio chat UI (installed as advisor.ui); only converts the core's events to widgets."""

import os

# Set before any module of this package imports gradio (and with it huggingface_hub and
# chroma's client): nothing the UI loads may phone home.
for _name, _value in {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
}.items():
    os.environ[_name] = _value
