"""Apoio dos testes de chaves e webhooks: criar chave, chamar com ela, um receptor HTTP real."""

import http.server
import json
import threading
import time
from dataclasses import dataclass, field

from api import services

ECO = "/api/v1/eco/"


def nova_chave(nome="SIGCON-MG", limite=120):
    return services.criar_chave(
        nome=nome, contato_email="sigcon@mg.gov.br", limite_por_minuto=limite
    )


def com_chave(texto):
    return {"HTTP_AUTHORIZATION": f"Api-Key {texto}"}


@dataclass
class Recebido:
    caminho: str
    cabecalhos: dict
    corpo: bytes

    @property
    def json(self):
        return json.loads(self.corpo)


@dataclass
class Receptor:
    """Um servidor HTTP de verdade no loopback, numa thread; responde ``codigos`` em ordem
    (o último se repete) e guarda cada pedido recebido."""

    codigos: list = field(default_factory=lambda: [200])
    recebidos: list = field(default_factory=list)
    atraso: float = 0.0  # segundos antes de responder (depois de guardar o pedido)

    def __post_init__(self):
        receptor = self

        class Tratador(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — nome exigido pelo http.server
                tamanho = int(self.headers.get("Content-Length", 0))
                corpo = self.rfile.read(tamanho)
                receptor.recebidos.append(Recebido(self.path, dict(self.headers), corpo))
                time.sleep(receptor.atraso)
                posicao = min(len(receptor.recebidos), len(receptor.codigos)) - 1
                try:
                    self.send_response(receptor.codigos[posicao])
                    self.end_headers()
                    self.wfile.write(b"recebido")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # o remetente morreu esperando (testes de falha com kill -9)

            def log_message(self, *args):
                pass

        self.servidor = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tratador)
        self.thread = threading.Thread(target=self.servidor.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.servidor.server_address[1]}/cagec/eventos"

    def fechar(self):
        self.servidor.shutdown()
        self.servidor.server_close()
