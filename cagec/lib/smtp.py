"""Backend SMTP que sabe em que fase da conversa está (base da entrega exatamente uma vez).

Antes do corpo do DATA, nada foi entregue: um servidor SMTP descarta a transação que não
terminou com ``<CRLF>.<CRLF>`` (RFC 5321 §4.1.1.4), então falha ou morte até aí pode tentar
de novo sem risco de duplicata. Depois que o corpo inteiro saiu, o servidor pode ter aceitado
a mensagem mesmo que a resposta nunca chegue: timeout ou conexão caída aí é **incerto**, não
recusa (``EntregaIncerta``).

- Conexão, saudação e comandos usam o prazo curto ``EMAIL_TIMEOUT`` (servidor fora ou mudo
  é percebido em segundos); a resposta final ao DATA espera ``EMAIL_TIMEOUT_RESPOSTA_FINAL``
  (a RFC 5321 §4.5.3.2.6 sugere 10 min; 120 s por padrão).
- ``antes_do_corpo`` (uma função sem argumentos) é chamada depois do ``354`` e antes do
  primeiro byte do corpo; se ela levantar (banco fora ao marcar a fase), a conexão é fechada
  sem mandar o corpo e nada é entregue.

``EmailBackend`` é o backend SMTP do Django com essa conexão; ``configurar`` é chamado pela
entrega a cada mensagem.
"""

import re
import smtplib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend

_PONTO_NO_INICIO = re.compile(rb"(?m)^\.")
CRLF = b"\r\n"


class EntregaIncerta(smtplib.SMTPException):
    """O corpo inteiro saiu e a resposta final não veio: o servidor pode ter aceitado."""


# Para o mypy, o mixin é um ``smtplib.SMTP`` (é sempre usado junto com ele).
if TYPE_CHECKING:
    _Base = smtplib.SMTP
else:
    _Base = object


class _FasesMixin(_Base):
    """``data`` do ``smtplib`` com o gancho antes do corpo e o prazo longo da resposta final."""

    antes_do_corpo: Callable[[], None] | None = None
    prazo_resposta_final: float = 120.0
    corpo_enviado: bool = False

    def nova_mensagem(self, antes_do_corpo: Callable[[], None] | None) -> None:
        self.antes_do_corpo = antes_do_corpo
        self.corpo_enviado = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.putcmd("data")
        codigo, resposta = self.getreply()
        if codigo != 354:
            raise smtplib.SMTPDataError(codigo, resposta)
        if self.antes_do_corpo is not None:
            try:
                self.antes_do_corpo()
            except BaseException:
                self.close()  # sem o corpo e o ponto final, o servidor descarta a transação
                raise
        self.send(_corpo_do_data(msg))
        self.corpo_enviado = True
        return self._resposta_final()

    def _resposta_final(self) -> tuple[int, bytes]:
        if self.sock is not None:
            self.sock.settimeout(self.prazo_resposta_final)
        try:
            return self.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as erro:
            raise EntregaIncerta(
                f"o corpo da mensagem saiu e a resposta final não chegou: {erro}"
            ) from erro
        finally:
            if self.sock is not None:
                self.sock.settimeout(self.timeout)


def _corpo_do_data(msg: bytes | str) -> bytes:
    """O corpo como o ``smtplib`` o manda: pontos no início de linha dobrados e o ``.`` final."""
    if isinstance(msg, str):
        msg = msg.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")
    corpo = _PONTO_NO_INICIO.sub(b"..", msg)
    if not corpo.endswith(CRLF):
        corpo += CRLF
    return corpo + b"." + CRLF


class SMTPComFases(_FasesMixin, smtplib.SMTP):
    pass


class SMTPSSLComFases(_FasesMixin, smtplib.SMTP_SSL):
    pass


class EmailBackend(DjangoSMTPBackend):
    """O backend SMTP do Django com a conexão que sabe a fase (``SMTPComFases``).

    ``configurar`` vale para a conexão aberta e para a que ``send_messages`` abrir depois;
    ``corpo_enviado`` continua legível depois de o Django fechar a conexão.
    """

    _antes_do_corpo: Callable[[], None] | None = None
    _fases: _FasesMixin | None = None

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return SMTPSSLComFases if self.use_ssl else SMTPComFases

    def open(self) -> bool | None:
        aberta = super().open()
        if aberta and isinstance(self.connection, _FasesMixin):
            self._fases = self.connection
            self._fases.prazo_resposta_final = settings.EMAIL_TIMEOUT_RESPOSTA_FINAL
            self._fases.nova_mensagem(self._antes_do_corpo)
        return aberta

    def configurar(self, antes_do_corpo: Callable[[], None] | None) -> None:
        """Prepara a próxima mensagem: o gancho antes do corpo e o marcador de fase zerado."""
        self._antes_do_corpo = antes_do_corpo
        if self._fases is not None:
            self._fases.nova_mensagem(antes_do_corpo)

    @property
    def corpo_enviado(self) -> bool:
        return self._fases is not None and self._fases.corpo_enviado
