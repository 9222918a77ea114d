"""A importação em massa não é uma segunda casa das regras de Parceiro e Vínculo.

Ela mora em ``parceiros`` (cria organizações e os seus RLs) e só transforma linhas em
chamadas às primitivas em massa dos serviços, as mesmas que a aprovação usa; ``accounts``
não grava modelos de ``parceiros``.
"""

import ast
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from accounts import services as contas
from accounts.models import Usuario
from cagec.core.models import RegistroAuditoria
from parceiros import importacao, receita, services
from parceiros.models import Solicitacao, TipoParceiro, Vinculo

from ..factories import CNPJ_ASSOCIACAO, UsuarioFactory
from .test_importacao import cnpj, conteudo_csv, cpf, linha

pytestmark = pytest.mark.usefixtures("media_temporaria")

RAIZ = Path(settings.BASE_DIR).resolve()
GRAVACOES = {"update", "bulk_update", "bulk_create", "create", "get_or_create", "delete"}


def _associacao():
    registro = receita.consultar_cnpj(CNPJ_ASSOCIACAO)
    tipo = TipoParceiro.objects.filter(naturezas__codigo=registro.natureza_juridica_codigo)
    return services.cadastrar_parceiro(registro, tipo.first())


def _modulos(pasta):
    return [
        caminho
        for caminho in sorted((RAIZ / pasta).resolve().rglob("*.py"))
        if "migrations" not in caminho.parts
    ]


def _base_do_objects(no):
    """``Modelo`` em ``Modelo.objects.filter(...).update(...)`` (None se não for essa forma)."""
    while isinstance(no, (ast.Call, ast.Attribute)):
        if isinstance(no, ast.Attribute) and no.attr == "objects":
            return no.value.id if isinstance(no.value, ast.Name) else None
        no = no.func if isinstance(no, ast.Call) else no.value
    return None


def _gravacoes_de(modelos, pasta):
    """(arquivo, linha, modelo) de cada gravação direta de ``modelos`` nos módulos de ``pasta``."""
    achadas = []
    for caminho in _modulos(pasta):
        arvore = ast.parse(caminho.read_text(encoding="utf-8"))
        for no in ast.walk(arvore):
            if not isinstance(no, ast.Call) or not isinstance(no.func, ast.Attribute):
                continue
            alvo = None
            if no.func.attr in GRAVACOES:
                alvo = _base_do_objects(no.func.value)
            elif no.func.attr == "inserir" and no.args and isinstance(no.args[0], ast.Name):
                alvo = no.args[0].id  # copia.inserir(Modelo, ...)
            if alvo in modelos:
                achadas.append((str(caminho.relative_to(RAIZ)), no.lineno, alvo))
    return achadas


def test_accounts_nao_grava_modelos_de_parceiros():
    modelos = {m.__name__ for m in apps.get_app_config("parceiros").get_models()}
    assert _gravacoes_de(modelos, "accounts") == []


def test_a_importacao_mora_em_parceiros_e_a_tabela_fica_onde_estava():
    from parceiros.models import ImportacaoCadastro

    assert not (RAIZ / "accounts" / "importacao").exists()
    assert not (RAIZ / "accounts" / "admin_importacao.py").exists()
    assert ImportacaoCadastro._meta.app_label == "parceiros"
    assert ImportacaoCadastro._meta.db_table == "accounts_importacaocadastro"
    assert "importacaocadastro" not in apps.get_app_config("accounts").models


def test_a_importacao_so_transforma_linhas_em_chamadas_aos_servicos():
    """Contas, organizações, numeração, RLs e mandatos só pelas primitivas dos serviços.

    O pacote da importação grava diretamente só o seu próprio ``ImportacaoCadastro``.
    """
    pacote = Path(importacao.__file__).parent
    modelos = {
        m.__name__
        for app in ("accounts", "parceiros")
        for m in apps.get_app_config(app).get_models()
    } - {"ImportacaoCadastro"}
    assert _gravacoes_de(modelos, pacote) == []


@pytest.mark.django_db
def test_aprovacao_e_importacao_usam_as_mesmas_primitivas(rl):
    """``vincular_rl``/``cadastrar_parceiro`` e a importação passam pela mesma regra."""
    espias = {
        nome: mock.patch.object(services, nome, wraps=getattr(services, nome))
        for nome in ("reservar_numeros_cadastro", "vincular_rls_em_massa")
    }
    pessoas = mock.patch.object(
        contas, "criar_pendentes_em_massa", wraps=contas.criar_pendentes_em_massa
    )
    with (
        espias["reservar_numeros_cadastro"] as reservar,
        espias["vincular_rls_em_massa"] as vincular,
        pessoas as criar_pessoas,
    ):
        parceiro = _associacao()
        services.vincular_rl(
            parceiro, rl, cargo="Presidente", mandato_inicio=None, mandato_fim=None
        )
        assert reservar.call_count == 1 and vincular.call_count == 1
        feita = importacao.importar_arquivo(
            ContentFile(conteudo_csv([linha(1), linha(2)]), name="carga.csv"),
            confirmar_importacao=True,
        )
    assert feita.resultado["vinculos"]["novos"] == 2
    assert reservar.call_args_list[1].args == (2,)
    assert len(vincular.call_args_list[1].args[0]) == 2
    assert criar_pessoas.call_count == 1
    assert Vinculo.objects.filter(parceiro__cnpj=cnpj(1), usuario__cpf=cpf(1), ativo=True).exists()


@pytest.mark.django_db
def test_reservar_numeros_cadastro_reserva_em_sequencia_sem_repetir(parceiro):
    with transaction.atomic():
        primeiro = services.reservar_numeros_cadastro(3)
    assert primeiro == parceiro.numero_cadastro + 1
    novo = _associacao()
    assert novo.numero_cadastro == primeiro + 3
    with pytest.raises(ValueError):
        services.reservar_numeros_cadastro(0)


@pytest.mark.django_db(transaction=True)
def test_reservar_numeros_cadastro_fora_de_transacao_e_recusado():
    with pytest.raises(RuntimeError, match="transação"):
        services.reservar_numeros_cadastro(1)


@pytest.mark.django_db
def test_vincular_rls_em_massa_promove_ri_encerra_rl_e_passa_pedidos_abertos(
    parceiro, rl, ri, analista
):
    aberto = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DADOS, ator=rl)
    assert aberto.representante_legal == rl
    auditados = RegistroAuditoria.objects.filter(acao="vinculo.rl").count()

    criados = services.vincular_rls_em_massa(
        [services.NovoRL(parceiro.pk, ri.pk, "Presidente", date(2026, 1, 1), date(2029, 1, 1))],
        ator=analista,
        descricao="RL substituído pela importação",
        so_substituicoes=True,
    )

    ativos = Vinculo.objects.filter(parceiro=parceiro, ativo=True)
    assert list(ativos.values_list("pk", "usuario", "papel")) == [
        (criados[parceiro.pk], ri.pk, Vinculo.Papel.RL)
    ]
    encerrados = Vinculo.objects.filter(parceiro=parceiro, ativo=False)
    assert set(encerrados.values_list("usuario", "papel")) == {
        (rl.pk, Vinculo.Papel.RL),
        (ri.pk, Vinculo.Papel.RI),
    }
    assert set(encerrados.values_list("encerrado_por", flat=True)) == {analista.pk}
    aberto.refresh_from_db()
    assert aberto.representante_legal == ri
    registro = RegistroAuditoria.objects.filter(acao="vinculo.rl").latest("pk")
    assert RegistroAuditoria.objects.filter(acao="vinculo.rl").count() == auditados + 1
    assert (registro.ator, registro.usuario_afetado) == (analista, ri)
    assert registro.objeto_id == str(criados[parceiro.pk])


@pytest.mark.django_db
def test_vincular_rls_em_massa_so_substituicoes_nao_audita_o_primeiro_rl(analista):
    novo = _associacao()
    pessoa = UsuarioFactory()
    antes = RegistroAuditoria.objects.filter(acao="vinculo.rl").count()
    par = services.NovoRL(novo.pk, pessoa.pk, "Presidente", None, None)

    services.vincular_rls_em_massa([par], ator=analista, descricao="x", so_substituicoes=True)

    assert RegistroAuditoria.objects.filter(acao="vinculo.rl").count() == antes
    assert Vinculo.objects.get(parceiro=novo, ativo=True).usuario == pessoa
    with pytest.raises(ValueError):
        services.vincular_rls_em_massa([par, par], ator=analista, descricao="x")


@pytest.mark.django_db
def test_atualizar_pendentes_em_massa_nao_muda_conta_ja_ativada(usuario, analista):
    pendente = Usuario.objects.get(
        pk=contas.criar_pendentes_em_massa([(cpf(7), "Pessoa 7", "p7@exemplo.mg.gov.br", "")])[
            cpf(7)
        ]
    )
    assert pendente.situacao == Usuario.Situacao.PENDENTE and not pendente.has_usable_password()
    antes = {"nome": usuario.nome, "email": usuario.email, "telefone": usuario.telefone}
    novos = {"nome": "Outro Nome", "email": "outro@exemplo.mg.gov.br", "telefone": ""}

    mudaram = contas.atualizar_pendentes_em_massa(
        [(usuario.pk, antes, novos), (pendente.pk, {}, novos)], ator=analista
    )

    assert mudaram == 1
    usuario.refresh_from_db()
    pendente.refresh_from_db()
    assert (usuario.nome, usuario.email) == (antes["nome"], antes["email"])
    assert (pendente.nome, pendente.email) == (novos["nome"], novos["email"])
    auditado = RegistroAuditoria.objects.get(acao="usuario.importacao_atualizado")
    assert auditado.usuario_afetado == pendente and auditado.ator == analista
