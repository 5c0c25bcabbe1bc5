"""Start the news QA chat in the browser: `python app.py [--host 127.0.0.1] [--port 7860] [--share]`.

See docs/ui.md. The same app starts with `qa serve` or `qa.ui.app.serve()`.
"""

import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before anything imports gradio

from qa.ui.app import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
