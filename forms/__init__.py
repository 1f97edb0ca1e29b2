"""Form definitions (*.toml), shipped as package data (desk.data.forms)."""
