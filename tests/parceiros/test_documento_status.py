"""A tabela de status do Documento: o único caminho que muda ``Documento.status``."""

import itertools

import pytest

from cagec.core.models import RegistroAuditoria
from parceiros import services
from parceiros.models import Documento

pytestmark = pytest.mark.django_db
D = Documento.Status
PERMITIDAS = {
    (D.EM_ANALISE, D.APROVADO),
    (D.EM_ANALISE, D.REPROVADO),
    (D.EM_ANALISE, D.SUBSTITUIDO),
    (D.APROVADO, D.SUBSTITUIDO),
    (D.REPROVADO, D.SUBSTITUIDO),
}


@pytest.mark.parametrize("de,para", list(itertools.product(D.values, D.values)))
def test_cada_par_de_status_do_documento(de, para, rl):
    from parceiros.models import Obrigacao

    documento = Documento(
        obrigacao=Obrigacao.objects.first(),
        arquivo="documentos/x.pdf",
        nome_original="x.pdf",
        content_type="application/pdf",
        tamanho=1,
        sha256="0" * 64,
        regra_validade=Obrigacao.Regra.SEM_VALIDADE,
        status=de,
        enviado_por=rl,
    )
    documento.save()
    if (de, para) in PERMITIDAS:
        services.mudar_status_documento(documento, para, ator=rl)
        documento.refresh_from_db()
        assert documento.status == para
        registro = RegistroAuditoria.objects.get(acao=f"documento.{para}")
        assert registro.antes == {"status": de} and registro.depois == {"status": para}
    else:
        with pytest.raises(services.TransicaoInvalida):
            services.mudar_status_documento(documento, para, ator=rl)
        documento.refresh_from_db()
        assert documento.status == de
