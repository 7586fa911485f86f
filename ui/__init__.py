"""Dashboard helpers kept outside ``pages/`` (every .py there becomes a page).

``core``, ``labels``, ``metrics``, ``figures``, ``tables``, ``compare``, ``exports``, ``accounts`` and ``pdfpage``
are plain Python (testable without running the app); ``state``, ``widgets`` and ``login`` use Streamlit.
"""
