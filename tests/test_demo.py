"""Os dados de demonstração do modo embutido (make run)."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Usuario
from parceiros.models import Parceiro


@pytest.mark.django_db
def test_carregar_demo_cria_pessoas_e_organizacoes_uma_vez_com_uma_regular(
    media_temporaria, settings
):
    settings.DEBUG = True  # modo embutido (make run)
    saida = StringIO()
    call_command("carregar_demo", stdout=saida)
    call_command("carregar_demo", stdout=StringIO())  # de novo: nada duplica

    assert "100.000.003-61" in saida.getvalue() and "Cagec#Demo2026" in saida.getvalue()
    assert Usuario.objects.filter(email__endswith="@demo.cagec.mg.gov.br").count() == 4
    situacoes = dict(Parceiro.objects.values_list("cnpj", "situacao"))
    assert situacoes == {
        "18000001000100": "regular",
        "07000001000185": "irregular",
        "25000001000167": "irregular",
        "18000002000146": "irregular",  # do RL pré-cadastrado, com o convite pendente
    }
    assert sorted(Parceiro.objects.values_list("numero_cadastro", flat=True)) == [1, 2, 3, 4]
    analista = Usuario.objects.get(cpf="10000000280")
    assert analista.has_perm("parceiros.analisar_solicitacao")
