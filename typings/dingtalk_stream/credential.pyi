class Credential:
    client_id: str
    client_secret: str
    def __init__(self, client_id: str, client_secret: str) -> None: ...
