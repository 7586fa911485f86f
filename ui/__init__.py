"""Dashboard helpers kept outside ``pages/`` (every .py there becomes a page).

``core``, ``metrics``, ``figures``, ``tables``, ``compare``, ``exports`` and ``pdfpage`` are plain
Python (testable without running the app); ``state`` and ``widgets`` use Streamlit.
"""
