"""The report suite's fixtures (simulated server, its database template, offline Chromium page), shared here."""

from report.conftest import (  # noqa: F401 - fixtures are found by name
    chromium,
    demo_server,
    demo_template,
    fresh_demo_server,
    report_page,
)
