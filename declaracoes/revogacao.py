"""Revogação de um CRC ou de uma declaração assinada: definitiva, auditada, com motivo.

O motivo aparece para quem verificar a autenticidade (sem CPF inteiro). A página pronta da
verificação sai do cache na hora.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import Usuario
from cagec.lib.auditoria import registrar, sem_cpf
from parceiros.selectors import esquecer_assinaturas_pendentes

from .models import Certificado, Declaracao


def revogar(
    documento: Declaracao | Certificado, *, ator: Usuario, motivo: str, ip: str | None = None
) -> int:
    """Revoga ``documento`` (Certificado ou Declaracao); 1 se revogou agora, 0 se já estava."""
    motivo = sem_cpf((motivo or "").strip())
    if not motivo:
        raise ValueError("O motivo da revogação é obrigatório.")
    # Os campos concordam com o gênero do documento: o CRC é "revogado", a declaração "revogada".
    sufixo, acao = (
        ("revogado", "certificado.revogado")
        if isinstance(documento, Certificado)
        else ("revogada", "declaracao.revogada")
    )
    with transaction.atomic():
        atual = type(documento).objects.select_for_update().get(pk=documento.pk)
        if getattr(atual, f"{sufixo}_em"):
            return 0
        setattr(atual, f"{sufixo}_em", timezone.now())
        setattr(atual, f"{sufixo}_por", ator)
        atual.motivo_revogacao = motivo
        atual.save(update_fields=[f"{sufixo}_em", f"{sufixo}_por", "motivo_revogacao"])
        if not isinstance(atual, Certificado):  # a solicitação volta a esperar a assinatura:
            transaction.on_commit(esquecer_assinaturas_pendentes)  # o menu "Assinaturas (n)"
        registrar(
            acao, objeto=atual, ator=ator, ip=ip, descricao=motivo, depois={"codigo": atual.codigo}
        )
    return 1
