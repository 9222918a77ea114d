"""``copia.inserir``: o mesmo resultado de um ``bulk_create`` (COPY no PostgreSQL)."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.models import Usuario
from cagec.lib import copia
from parceiros.models import Vinculo
from tests.factories import cpf_aleatorio

pytestmark = pytest.mark.django_db

CAMPOS = ("cpf", "nome", "email", "password")


def test_linhas_gravadas_com_os_padroes_do_modelo_nos_campos_que_faltam():
    agora = timezone.now()
    cpfs = [cpf_aleatorio() for _ in range(3)]
    linhas = [(cpf, f"Pessoa Ação {i}", f"p{i}@exemplo.com.br", "!x") for i, cpf in enumerate(cpfs)]

    assert copia.inserir(Usuario, CAMPOS, iter(linhas)) == 3

    gravados = Usuario.objects.filter(cpf__in=cpfs).order_by("nome")
    assert [(u.cpf, u.nome, u.email, u.password) for u in gravados] == linhas
    modelo = Usuario()
    for usuario in gravados:
        assert usuario.situacao == modelo.situacao and usuario.origem == modelo.origem
        assert usuario.is_active and not usuario.is_staff and usuario.last_login is None
        assert usuario.created_at >= agora and usuario.updated_at >= agora


def test_chaves_estrangeiras_datas_e_nulos(parceiro):
    pessoa = Usuario.objects.create(cpf=cpf_aleatorio(), nome="RL", email="rl@exemplo.com.br")
    campos = ("usuario_id", "parceiro_id", "papel", "cargo", "mandato_inicio", "mandato_fim")
    linha = (pessoa.pk, parceiro.pk, Vinculo.Papel.RI.value, "Assessor", date(2025, 1, 1), None)

    copia.inserir(Vinculo, (*campos, "criado_por_id"), [(*linha, None)])

    vinculo = Vinculo.objects.get(parceiro=parceiro, usuario=pessoa)
    assert (vinculo.papel, vinculo.cargo) == ("ri", "Assessor")
    assert vinculo.mandato_inicio == date(2025, 1, 1) and vinculo.mandato_fim is None
    assert vinculo.ativo and vinculo.criado_por is None and vinculo.created_at


def test_nada_a_inserir_nao_vai_ao_banco(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert copia.inserir(Usuario, CAMPOS, []) == 0


def test_campo_unico_fora_das_linhas_e_recusado():
    with pytest.raises(ValueError, match="cpf é único"):
        copia.inserir(Usuario, ("nome", "email"), [("Sem CPF", "x@exemplo.com.br")])
