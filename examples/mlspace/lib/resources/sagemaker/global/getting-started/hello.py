"""A minimal example that notebooks can import."""


def greet(name: str) -> str:
    return f"Hello from MLSpace, {name}!"
