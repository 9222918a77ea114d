"""Catálogos iniciais: a migração de dados, o comando ``carregar_catalogos`` e a regra de dias.

O banco de testes é criado pelas migrações, então os catálogos já estão lá. A conferência é
feita contra os CSV de ``parceiros/dados`` lidos aqui, com o ``csv`` da biblioteca padrão.
"""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from parceiros.models import (
    Genero,
    GrupoObrigacao,
    NaturezaJuridica,
    Obrigacao,
    TipoParceiro,
)

pytestmark = pytest.mark.django_db

DADOS = Path(__file__).resolve().parents[2] / "parceiros" / "dados"
R = Obrigacao.Regra
REGRA_DO_CSV = {
    "DATA_INFORMADA": R.DATA_INFORMADA,
    "FIM_MANDATO": R.FIM_MANDATO,
    "DIAS_APOS_EMISSAO": R.DIAS_APOS_EMISSAO,
    "SEM_VALIDADE": R.SEM_VALIDADE,
}
SIM_NAO = {"sim": True, "nao": False}
TERMO = "Termo de Concordância e Veracidade"  # uma só Obrigação, exigida dos 15 tipos
COMPROVANTE = "Comprovante de endereço do representante legal"  # 90 dias após a emissão


def ler_csv(nome):
    with open(DADOS / nome, encoding="utf-8", newline="") as arquivo:
        return list(csv.DictReader(arquivo))


NATUREZAS_CSV = ler_csv("naturezas_juridicas.csv")
TIPOS_CSV = ler_csv("tipos_naturezas.csv")
OBRIGACOES_CSV = ler_csv("obrigacoes_cagec.csv")


def ligacoes_do_csv():
    """(tipo, grupo, obrigação, descrição, regra, dias, obrigatória, MROSC) de cada linha."""
    return {
        (
            linha["tipo"],
            linha["grupo"],
            linha["obrigacao"],
            linha["descricao"],
            REGRA_DO_CSV[linha["regra_validade"]],
            int(linha["dias"]) if linha["dias"] else None,
            SIM_NAO[linha["obrigatoria"]],
            SIM_NAO[linha["mrosc"]],
        )
        for linha in OBRIGACOES_CSV
    }


def ligacoes_do_banco():
    return set(
        Obrigacao.tipos.through.objects.values_list(
            "tipoparceiro__nome",
            "obrigacao__grupo__nome",
            "obrigacao__nome",
            "obrigacao__descricao",
            "obrigacao__regra_validade",
            "obrigacao__dias",
            "obrigacao__obrigatoria",
            "obrigacao__mrosc",
        )
    )


def retrato():
    """Tudo o que o comando poderia criar ou mudar, com as chaves primárias."""
    return {
        "naturezas": set(
            NaturezaJuridica.objects.values_list("pk", "codigo", "descricao", "ativa")
        ),
        "generos": set(Genero.objects.values_list("pk", "nome")),
        "tipos": set(TipoParceiro.objects.values_list("pk", "nome", "genero_id", "ativo")),
        "tipos_naturezas": set(
            TipoParceiro.naturezas.through.objects.values_list(
                "tipoparceiro_id", "naturezajuridica_id"
            )
        ),
        "grupos": set(GrupoObrigacao.objects.values_list("pk", "nome", "ordem")),
        "obrigacoes": set(
            Obrigacao.objects.values_list(
                "pk", "grupo_id", "nome", "descricao", "regra_validade", "dias", "ativa", "ordem"
            )
        ),
        "obrigacoes_tipos": set(
            Obrigacao.tipos.through.objects.values_list("obrigacao_id", "tipoparceiro_id")
        ),
    }


def carregar():
    saida = StringIO()
    call_command("carregar_catalogos", stdout=saida)
    return saida.getvalue()


# --- O que a migração deixou no banco --------------------------------------------------------


def test_csv_de_referencia_tem_o_tamanho_esperado():
    assert (len(NATUREZAS_CSV), len(TIPOS_CSV), len(OBRIGACOES_CSV)) == (92, 15, 300)
    assert len(ligacoes_do_csv()) == 300  # nenhuma linha repetida


def test_banco_migrado_ja_tem_os_catalogos_completos():
    assert NaturezaJuridica.objects.count() == 92
    assert TipoParceiro.objects.count() == 15
    assert Obrigacao.objects.count() == 142
    assert Obrigacao.tipos.through.objects.count() == 300
    assert GrupoObrigacao.objects.count() == 6
    assert Genero.objects.count() == len({linha["genero"] for linha in TIPOS_CSV}) == 7
    assert not NaturezaJuridica.objects.filter(ativa=False).exists()
    assert not TipoParceiro.objects.filter(ativo=False).exists()
    assert not Obrigacao.objects.filter(ativa=False).exists()


def test_cada_linha_do_csv_de_obrigacoes_existe_no_banco_e_nada_mais():
    do_csv, do_banco = ligacoes_do_csv(), ligacoes_do_banco()
    assert do_csv - do_banco == set(), "linhas do CSV que faltam no banco"
    assert do_banco - do_csv == set(), "ligações no banco que não vêm do CSV"


def test_obrigacao_igual_para_varios_tipos_e_uma_so_no_banco():
    chaves = {
        (
            linha["grupo"],
            linha["obrigacao"],
            linha["descricao"],
            linha["regra_validade"],
            linha["dias"],
            linha["obrigatoria"],
            linha["mrosc"],
        )
        for linha in OBRIGACOES_CSV
    }
    assert len(chaves) == Obrigacao.objects.count() == 142
    termo = Obrigacao.objects.get(nome=TERMO)
    tipos_no_csv = {linha["tipo"] for linha in OBRIGACOES_CSV if linha["obrigacao"] == TERMO}
    assert len(tipos_no_csv) == 15
    assert set(termo.tipos.values_list("nome", flat=True)) == tipos_no_csv


def test_grupos_seguem_a_ordem_em_que_aparecem_no_csv():
    na_ordem = list(dict.fromkeys(linha["grupo"] for linha in OBRIGACOES_CSV))
    assert list(GrupoObrigacao.objects.values_list("nome", flat=True)) == na_ordem
    assert list(GrupoObrigacao.objects.values_list("ordem", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_naturezas_do_banco_sao_as_do_csv_com_codigo_sem_hifen():
    do_csv = {
        (linha["codigo"].replace("-", ""), linha["descricao"], int(linha["categoria"]))
        for linha in NATUREZAS_CSV
    }
    do_banco = set(NaturezaJuridica.objects.values_list("codigo", "descricao", "categoria"))
    assert do_banco == do_csv
    assert all(len(c) == 4 and c.isdigit() for c, *_ in do_banco)


def test_codigo_da_natureza_e_guardado_1244_e_exibido_124_4():
    municipio = NaturezaJuridica.objects.get(codigo="1244")
    assert municipio.codigo_formatado == "124-4"
    assert str(municipio) == "124-4 — Município"
    assert not NaturezaJuridica.objects.filter(codigo="124-4").exists()
    for linha in NATUREZAS_CSV:
        natureza = NaturezaJuridica.objects.get(codigo=linha["codigo"].replace("-", ""))
        assert natureza.codigo_formatado == linha["codigo"]


def test_naturezas_permitidas_e_genero_de_cada_tipo_sao_as_do_csv():
    for linha in TIPOS_CSV:
        tipo = TipoParceiro.objects.get(nome=linha["tipo"])
        assert tipo.genero.nome == linha["genero"]
        permitidas = {n.codigo_formatado for n in tipo.naturezas.all()}
        assert permitidas == set(linha["naturezas"].split(";")), tipo.nome


def test_natureza_399_9_serve_a_dois_tipos_e_206_2_a_nenhum():
    associacao = NaturezaJuridica.objects.get(codigo="3999")
    assert set(associacao.tipos.values_list("nome", flat=True)) == {
        "Entidade Privada Sem Fins Lucrativos",
        "Entidade Pública Federal, Entidade de Classe ou OAB",
    }
    assert not NaturezaJuridica.objects.get(codigo="2062").tipos.exists()


# --- Comando carregar_catalogos --------------------------------------------------------------


def test_rodar_o_comando_duas_vezes_nao_cria_nem_muda_nada():
    antes = retrato()
    saida = carregar()
    assert retrato() == antes
    assert carregar() == saida
    assert retrato() == antes
    assert "92 naturezas jurídicas, 15 tipos, 142 obrigações" in saida


def test_comando_recria_o_que_foi_apagado_e_so_isso():
    """Só cria o que falta: um catálogo vazio volta inteiro, com as mesmas ligações."""
    ligacoes = ligacoes_do_banco()
    Obrigacao.objects.all().delete()
    GrupoObrigacao.objects.all().delete()
    carregar()
    assert Obrigacao.objects.count() == 142
    assert GrupoObrigacao.objects.count() == 6
    assert ligacoes_do_banco() == ligacoes


def test_obrigacao_desativada_pela_administracao_continua_desativada():
    obrigacao = Obrigacao.objects.get(nome=TERMO)
    Obrigacao.objects.filter(pk=obrigacao.pk).update(ativa=False)
    antes = retrato()
    carregar()
    assert retrato() == antes
    obrigacao.refresh_from_db()
    assert obrigacao.ativa is False
    assert list(Obrigacao.objects.filter(nome=TERMO)) == [obrigacao]


def test_tipo_retirado_de_uma_obrigacao_pela_administracao_nao_volta():
    obrigacao = Obrigacao.objects.get(nome=TERMO)
    municipio = TipoParceiro.objects.get(nome="Município")
    assert municipio in obrigacao.tipos.all()
    obrigacao.tipos.remove(municipio)
    antes = retrato()
    carregar()
    assert retrato() == antes
    assert municipio not in obrigacao.tipos.all()
    assert obrigacao.tipos.count() == 14
    assert not Obrigacao.objects.filter(nome=TERMO, tipos=municipio).exists()


def test_tipo_e_natureza_desativados_e_natureza_retirada_do_tipo_continuam_assim():
    tipo = TipoParceiro.objects.get(nome="Entidade Pública Municipal")
    natureza = NaturezaJuridica.objects.get(codigo="1031")
    tipo.naturezas.remove(natureza)
    TipoParceiro.objects.filter(pk=tipo.pk).update(ativo=False)
    NaturezaJuridica.objects.filter(codigo="2062").update(ativa=False, descricao="Editada")
    antes = retrato()
    carregar()
    assert retrato() == antes
    tipo.refresh_from_db()
    assert tipo.ativo is False
    assert natureza not in tipo.naturezas.all()
    assert NaturezaJuridica.objects.get(codigo="2062").descricao == "Editada"


def test_obrigacao_renomeada_pela_administracao_continua_com_o_nome_novo():
    obrigacao = Obrigacao.objects.get(nome=TERMO)
    obrigacao.nome = "Termo de Veracidade das Informações"
    obrigacao.save()
    carregar()
    obrigacao.refresh_from_db()
    assert obrigacao.nome == "Termo de Veracidade das Informações"
    assert obrigacao.tipos.count() == 15


def test_obrigacao_renomeada_nao_volta_com_o_nome_antigo_ao_rodar_o_comando():
    obrigacao = Obrigacao.objects.get(nome=TERMO)
    obrigacao.nome = "Termo de Veracidade das Informações"
    obrigacao.save()
    total = Obrigacao.objects.count()
    carregar()
    assert not Obrigacao.objects.filter(nome=TERMO).exists()
    assert Obrigacao.objects.count() == total


def test_dias_de_validade_alterados_pela_administracao_nao_recriam_a_obrigacao_original():
    obrigacao = Obrigacao.objects.get(nome=COMPROVANTE, tipos__nome="Município")
    assert obrigacao.dias == 90
    obrigacao.dias = 60
    obrigacao.save()
    total = Obrigacao.objects.count()
    carregar()
    assert Obrigacao.objects.count() == total
    do_municipio = Obrigacao.objects.filter(nome=COMPROVANTE, tipos__nome="Município")
    assert list(do_municipio.values_list("dias", flat=True)) == [60]


@pytest.mark.parametrize("catalogo", ["tipo", "grupo"])
def test_tipo_ou_grupo_renomeado_pela_administracao_nao_volta_com_o_nome_antigo(catalogo):
    modelo = TipoParceiro if catalogo == "tipo" else GrupoObrigacao
    item = modelo.objects.order_by("pk").first()
    antigo = item.nome
    item.nome = f"{antigo} (renomeado)"
    item.save()
    antes = retrato()
    carregar()
    assert not modelo.objects.filter(nome=antigo).exists()
    assert retrato() == antes


# --- Regra de dias: restrição do banco -------------------------------------------------------


@pytest.fixture
def grupo():
    return GrupoObrigacao.objects.first()


def criar(grupo, regra, dias):
    return Obrigacao.objects.create(grupo=grupo, nome="Teste", regra_validade=regra, dias=dias)


def test_regra_dias_apos_emissao_com_zero_dias_e_recusada_pelo_banco(grupo):
    with transaction.atomic(), pytest.raises(IntegrityError):
        criar(grupo, R.DIAS_APOS_EMISSAO, 0)
    assert not Obrigacao.objects.filter(nome="Teste").exists()


def test_regra_dias_apos_emissao_sem_dias_e_recusada_pelo_banco(grupo):
    with transaction.atomic(), pytest.raises(IntegrityError):
        criar(grupo, R.DIAS_APOS_EMISSAO, None)


@pytest.mark.parametrize("regra", [R.DATA_INFORMADA, R.FIM_MANDATO, R.SEM_VALIDADE])
@pytest.mark.parametrize("dias", [1, 90])
def test_outras_regras_com_dias_sao_recusadas_pelo_banco(grupo, regra, dias):
    with transaction.atomic(), pytest.raises(IntegrityError):
        criar(grupo, regra, dias)
    assert not Obrigacao.objects.filter(nome="Teste").exists()


@pytest.mark.parametrize(
    ("regra", "dias"),
    [
        (R.DIAS_APOS_EMISSAO, 1),
        (R.DIAS_APOS_EMISSAO, 365),
        (R.DATA_INFORMADA, None),
        (R.FIM_MANDATO, None),
        (R.SEM_VALIDADE, None),
    ],
)
def test_combinacoes_validas_de_regra_e_dias_sao_gravadas(grupo, regra, dias):
    with transaction.atomic():
        obrigacao = criar(grupo, regra, dias)
    obrigacao.refresh_from_db()
    assert (obrigacao.regra_validade, obrigacao.dias) == (regra, dias)


def test_trocar_a_regra_de_uma_obrigacao_de_dias_sem_limpar_os_dias_e_recusado():
    obrigacao = Obrigacao.objects.get(nome=COMPROVANTE, tipos__nome="Município")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Obrigacao.objects.filter(pk=obrigacao.pk).update(regra_validade=R.SEM_VALIDADE)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Obrigacao.objects.filter(pk=obrigacao.pk).update(dias=0)
    obrigacao.refresh_from_db()
    assert (obrigacao.regra_validade, obrigacao.dias) == (R.DIAS_APOS_EMISSAO, 90)


def test_apagar_os_dias_de_uma_obrigacao_da_regra_de_dias_e_recusado():
    obrigacao = Obrigacao.objects.get(nome=COMPROVANTE, tipos__nome="Município")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Obrigacao.objects.filter(pk=obrigacao.pk).update(dias=None)


def test_validacao_do_modelo_explica_a_regra_de_dias_antes_de_chegar_ao_banco(grupo):
    """O admin chama ``full_clean``: a pessoa vê o erro no formulário, não um erro 500."""
    obrigacao = Obrigacao(grupo=grupo, nome="Teste", regra_validade=R.SEM_VALIDADE, dias=30)
    with pytest.raises(ValidationError):
        obrigacao.full_clean()
    obrigacao.dias = None
    obrigacao.full_clean()
    obrigacao.regra_validade, obrigacao.dias = R.DIAS_APOS_EMISSAO, 0
    with pytest.raises(ValidationError):
        obrigacao.full_clean()
    obrigacao.dias = 30
    obrigacao.full_clean()


def test_validacao_do_modelo_recusa_regra_de_dias_sem_os_dias(grupo):
    obrigacao = Obrigacao(grupo=grupo, nome="Teste", regra_validade=R.DIAS_APOS_EMISSAO)
    with pytest.raises(ValidationError):
        obrigacao.full_clean()
