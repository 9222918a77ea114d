"""E-mail no console do modo embutido: a mensagem inteira e, depois, uma linha legível.

A linha traz o destinatário, o assunto já decodificado (nada de ``=?utf-8?b?…``) e os links
da mensagem — os de uso único com o token sorteado na entrega (``cagec.lib.entrega``), isto
é, o link que de fato abre. Configurado só quando ``EMAIL_URL`` não é definida (o modo
embutido do ``make run``); com ``EMAIL_URL`` o envio é o de sempre.
"""

import re

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

LINK = re.compile(r"https?://[^\s\"'<>]+")


def links_da_mensagem(mensagem: EmailMessage) -> list[str]:
    """Os links do corpo de texto, sem repetir e sem o endereço do portal do rodapé."""
    rodape = settings.PORTAL_URL_BASE + "/"
    links: list[str] = []
    for link in LINK.findall(str(mensagem.body)):
        link = link.rstrip(".,;:)")
        if link not in links and link not in (rodape, settings.PORTAL_URL_BASE):
            links.append(link)
    return links


def linha_legivel(mensagem: EmailMessage) -> str:
    """``✉ para maria@… — “Assunto” — http://…`` (uma linha, fácil de achar no console)."""
    partes = [f"✉ para {', '.join(mensagem.to)}", f"“{mensagem.subject}”"]
    partes.extend(links_da_mensagem(mensagem))
    return " — ".join(partes)


class EmailBackend(ConsoleEmailBackend):
    """O console do Django (mensagem completa) seguido da linha legível de cada e-mail."""

    def write_message(self, message: EmailMessage) -> None:
        super().write_message(message)
        self.stream.write(linha_legivel(message) + "\n\n")
