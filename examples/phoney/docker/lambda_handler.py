"""The Phoney API on Lambda: the FastAPI application behind Mangum, which turns API Gateway
HTTP API events into ASGI requests. (The real application is the Phoney package; this
stand-in answers its template endpoint's shape.)"""

from fastapi import FastAPI
from mangum import Mangum

app = FastAPI(title="Phoney")


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/template")
def template(body: dict):
    count = int(body.get("count", 1))
    return {"results": [body.get("template", {}) for _ in range(count)]}


handler = Mangum(app)
