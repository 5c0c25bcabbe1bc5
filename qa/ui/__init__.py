"""The browser front end (Gradio): `qa.ui.app.serve()` starts it; see docs/ui.md.

Importing this package switches Gradio's analytics off before Gradio itself is imported.
"""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def serve(host: str = "127.0.0.1", port: int | None = None, share: bool = False, settings=None) -> None:
    """Start the app on host:port (port None: QA_PORT, else 7860) and block until it is stopped (Ctrl+C); imports
    Gradio only when called."""
    from qa.ui.app import serve as _serve

    _serve(host=host, port=port, share=share, settings=settings)


__all__ = ["serve"]
