"""Linha da tabela: SMTP que aceita a conexão e nunca responde, com ~1 000 pendentes.

Antes: varreduras se sobrepunham e se acumulavam, uma chegou ao limite duro de 300 s e foi
morta, e-mails novos esperaram 5+ min e a recuperação queimou 3 tentativas por linha em 20 s.
Agora: uma varredura por vez (trava), saudação com prazo curto (a varredura para no primeiro
erro de conexão, sem pegar linha nenhuma), varreduras velhas expiram na fila, e o envio novo
vai pela fila ``emails``, num worker que nenhuma varredura ocupa.
"""

import re
import time

import pytest

from cagec.core.models import EmailSaida

from ._email import (
    AMBIENTE_RAPIDO,
    conferir_exatamente_uma_vez,
    criar_emails,
    esperar_assentar,
    publicar_envios,
)
from .equipamento import esperar

pytestmark = [pytest.mark.servicos, pytest.mark.django_db(transaction=True)]
Status = EmailSaida.Status
LINHAS = 1000
EVENTO = re.compile(r"^\[([\d\-: ,]+):.*Caixa de saída: varredura (começou|terminou)", re.M)


def _eventos_da_varredura(log: str) -> list[str]:
    """``começou``/``terminou`` na ordem do relógio (os dois processos do pool escrevem)."""
    return [tipo for _, tipo in sorted(EVENTO.findall(log), key=lambda evento: evento[0])]


def sem_sobreposicao(eventos: list[str]) -> bool:
    """Cada varredura termina antes de a seguinte começar."""
    return (
        bool(eventos)
        and eventos[0] == "começou"
        and all(a != b for a, b in zip(eventos, eventos[1:], strict=False))
    )


def test_smtp_mudo_com_1000_pendentes_varreduras_nao_se_sobrepoem_e_email_novo_sai_rapido(
    worker_celery_processo, celery_no_redis, sink_smtp
):
    sink_smtp.modo = "mudo"
    ambiente = {**AMBIENTE_RAPIDO, "EMAIL_TIMEOUT": "1"}
    worker_celery_processo(ambiente, concorrencia=2, filas=["emails"]).iniciar()
    varredor = worker_celery_processo(
        ambiente, concorrencia=2, filas=["varreduras"], beat=True
    ).iniciar()
    pks = criar_emails(LINHAS, velhos=True)
    # Varreduras acumuladas na fila (o beat de vários minutos com o worker ocupado).
    for _ in range(10):
        celery_no_redis.send_task("accounts.tasks.varrer_caixa_de_saida")
    (durante,) = criar_emails(1, prefixo="durante")
    publicar_envios(celery_no_redis, [durante])

    esperar(
        lambda: varredor.log().count("e-mail(s) esperam") >= 4,
        timeout=30,
        descricao="quatro varreduras com o SMTP mudo",
    )
    assert sem_sobreposicao(_eventos_da_varredura(varredor.log()))
    assert "outra varredura em andamento" in varredor.log()  # as acumuladas saíram sem fazer nada
    assert "TimeLimitExceeded" not in varredor.log() and "Hard time limit" not in varredor.log()
    assert not EmailSaida.objects.filter(pk__in=pks).exclude(tentativas=0).exists()
    assert EmailSaida.objects.get(pk=durante).status == Status.PENDENTE

    sink_smtp.modo = "normal"
    (novo,) = criar_emails(1, prefixo="novo")
    inicio = time.monotonic()
    publicar_envios(celery_no_redis, [novo])
    esperar(
        lambda: EmailSaida.objects.get(pk=novo).message_id in sink_smtp.ids(),
        timeout=10,
        descricao="o e-mail novo chegar ao SMTP",
    )
    latencia = time.monotonic() - inicio
    assert latencia < 10

    todos = [*pks, durante, novo]
    assert esperar_assentar(todos, timeout=45) == {Status.ENVIADO: LINHAS + 2}
    conferir_exatamente_uma_vez(sink_smtp, todos)
    tentativas = set(EmailSaida.objects.filter(pk__in=pks).values_list("tentativas", flat=True))
    assert tentativas == {1}  # nenhuma tentativa queimada pelo SMTP mudo
    eventos = _eventos_da_varredura(varredor.log())
    assert sem_sobreposicao(eventos)
    print(  # noqa: T201 — números medidos para o relatório (pytest -s)
        f"\nSMTP mudo, {LINHAS} pendentes: e-mail novo em {latencia:.2f} s depois da volta; "
        f"{len(eventos) // 2} varreduras sem sobreposição; tentativas por linha {tentativas}"
    )
