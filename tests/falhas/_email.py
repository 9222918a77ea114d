"""Ajudantes dos testes de falha da caixa de saída (``tests/falhas/test_email_*.py``).

- ``criar_emails``: linhas na caixa de saída como um serviço as gravaria (destinatários
  distintos), opcionalmente já "velhas" para a varredura pegar;
- ``resolver_como_operador``: o que a equipe faz com as linhas em *verificar* — confere no
  provedor (aqui, o sink) pelo Message-ID e usa a ação do admin correspondente;
- ``conferir_exatamente_uma_vez``: o sink recebeu cada linha uma vez só e nenhuma se perdeu.
"""

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from cagec.core.models import EmailSaida
from cagec.lib import emails

from .equipamento import esperar

Status = EmailSaida.Status

# Configuração encurtada dos processos do portal (mesmos nomes de produção; ver settings).
AMBIENTE_RAPIDO = {
    "EMAIL_TIMEOUT": "2",
    "CAIXA_SAIDA_VARREDURA_INTERVALO": "1",
    "CAIXA_SAIDA_IDADE_MINIMA": "1",
    "CAIXA_SAIDA_RECONCILIAR_APOS": "5",
    "CAIXA_SAIDA_ESPERA_BASE": "1",
    "CAIXA_SAIDA_ESPERA_TETO": "4",
}


def criar_emails(quantos: int, *, prefixo: str = "pessoa", velhos: bool = False) -> list[int]:
    agora = timezone.now()
    criado = agora - timedelta(minutes=5) if velhos else agora
    linhas = [
        EmailSaida(
            evento="teste_falha",
            destinatario=f"{prefixo}{i}@exemplo.com.br",
            assunto=f"Aviso {i}",
            corpo_texto=f"Olá, pessoa {i}.",
            corpo_html=f"<p>Olá, pessoa {i}.</p>",
            created_at=criado,
            proxima_tentativa_em=criado,
        )
        for i in range(quantos)
    ]
    return [e.pk for e in EmailSaida.objects.bulk_create(linhas, batch_size=1000)]


def publicar_envios(app, pks) -> None:
    for pk in pks:
        app.send_task("accounts.tasks.enviar_email", args=[pk])


def situacoes(pks) -> Counter:
    return Counter(EmailSaida.objects.filter(pk__in=pks).values_list("status", flat=True))


def esperar_assentar(pks, *, timeout: float, descricao: str = "") -> Counter:
    """Espera até nenhuma linha estar *pendente* ou *enviando*."""
    em_curso = (Status.PENDENTE, Status.ENVIANDO)
    esperar(
        lambda: not EmailSaida.objects.filter(pk__in=pks, status__in=em_curso).exists(),
        timeout=timeout,
        intervalo=0.2,
        descricao=descricao or f"as linhas saírem de pendente/enviando: {situacoes(pks)}",
    )
    return situacoes(pks)


def resolver_como_operador(sink, pks) -> tuple[int, int]:
    """*verificar*: chegou ao provedor → "Foi entregue"; não chegou → "Não chegou"."""
    verificar = EmailSaida.objects.filter(pk__in=pks, status=Status.VERIFICAR)
    chegaram = [e.pk for e in verificar if e.message_id in sink.ids()]
    nao_chegaram = [e.pk for e in verificar if e.message_id not in sink.ids()]
    return (
        emails.confirmar_entregues(chegaram),
        emails.reenviar_nao_entregues(nao_chegaram),
    )


def conferir_exatamente_uma_vez(sink, pks) -> None:
    linhas = list(EmailSaida.objects.filter(pk__in=pks))
    esperados = {e.message_id for e in linhas}
    assert len(esperados) == len(pks)
    assert sink.duplicados() == {}, f"duplicatas no SMTP: {sink.duplicados()}"
    faltando = esperados - sink.ids()
    assert not faltando, f"{len(faltando)} e-mail(s) nunca chegaram: {sorted(faltando)[:5]}"
    assert {mid: n for mid, n in sink.message_ids.items() if mid in esperados} == dict.fromkeys(
        esperados, 1
    )
    assert Counter(e.status for e in linhas) == Counter({Status.ENVIADO: len(pks)})
