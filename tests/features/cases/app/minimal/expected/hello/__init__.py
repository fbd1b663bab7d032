"""The hello service."""
