"""The program's shipped data, as packages: ``desk.data.forms`` is the top-level ``forms/`` folder and
``desk.data.resources`` the ``resources/`` folder (mapped in pyproject.toml), so a wheel carries them and
``importlib.resources`` finds them wherever the program is installed."""
