"""Evidence Kit: preserve online evidence in an encrypted chain-of-custody store."""

__version__ = "0.1.0"
APP_NAME = "Evidence Kit"
