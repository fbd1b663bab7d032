"""Stand-in for `<package>/main.py`, which features build (each adds its router)."""

from fastapi import FastAPI

app = FastAPI(title="service")
