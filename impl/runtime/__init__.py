"""The asyncio runtime: node processes on 127.0.0.1 and the local cluster launcher."""
