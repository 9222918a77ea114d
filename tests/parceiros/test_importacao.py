"""Importação em massa de pessoas, organizações e RLs do sistema anterior (serviço e comando)."""

import csv
import io
from datetime import date, datetime
from unittest import mock

import pytest
from django.contrib.auth.hashers import check_password
from django.core.files.base import ContentFile
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from accounts.models import Usuario
from cagec.core.models import RegistroAuditoria
from cagec.lib.documentos import calcular_dv_cnpj, calcular_dv_cpf
from parceiros import importacao
from parceiros.importacao import COLUNAS, ROTULOS, ArquivoInvalido, Catalogo, validar_linha
from parceiros.models import ImportacaoCadastro, Parceiro, Sequencia, TipoParceiro, Vinculo

from ..factories import UsuarioFactory, parceiro_com_rl

pytestmark = pytest.mark.usefixtures("media_temporaria")


def cpf(n):
    base = f"{n + 100_000_000:09d}"
    return base + calcular_dv_cpf(base)


def cnpj(n):
    base = f"{n + 900_000_000_000:012d}"
    return base + calcular_dv_cnpj(base)


def linha(n=1, **mudancas):
    valores = {
        "cpf": cpf(n),
        "nome": f"Pessoa {n}",
        "email": f"pessoa{n}@exemplo.mg.gov.br",
        "telefone": "(31) 99999-0000",
        "cnpj": cnpj(n),
        "razao_social": f"Associação Número {n}",
        "natureza_juridica": "399-9",
        "tipo": "Entidade Privada Sem Fins Lucrativos",
        "municipio": "Belo Horizonte",
        "uf": "MG",
        "cargo": "Presidente",
        "mandato_inicio": "01/01/2025",
        "mandato_fim": "31/12/2028",
    }
    valores.update(mudancas)
    return valores


def conteudo_csv(linhas, *, separador=";", bom=False, colunas=COLUNAS, cabecalho=None):
    saida = io.StringIO()
    escritor = csv.writer(saida, delimiter=separador, lineterminator="\n")
    escritor.writerow(cabecalho or colunas)
    for valores in linhas:
        escritor.writerow([valores.get(c, "") for c in colunas])
    return (("\ufeff" if bom else "") + saida.getvalue()).encode()


def importar(conteudo, *, nome="carga.csv", confirmar=False, ator=None):
    return importacao.importar_arquivo(
        ContentFile(conteudo, name=nome), ator=ator, confirmar_importacao=confirmar
    )


def erros_do_csv(importacao_feita):
    with importacao_feita.arquivo_erros.open("rb") as arquivo:
        texto = arquivo.read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(texto), delimiter=";"))


# --- Linhas inválidas ------------------------------------------------------------------------
INVALIDAS = [
    ({"cpf": "529.982.247-26"}, "CPF", "dígitos verificadores não conferem"),
    ({"cpf": "1234"}, "CPF", "deve ter 11 dígitos"),
    ({"cnpj": "18.000.001/0001-01"}, "CNPJ", "dígitos verificadores não conferem"),
    ({"nome": ""}, "Nome", "campo obrigatório em branco"),
    ({"email": "sem-arroba"}, "E-mail", "e-mail inválido"),
    ({"telefone": "123"}, "Telefone", "telefone inválido"),
    ({"natureza_juridica": "999-9"}, "Natureza jurídica", "999-9 não existe"),
    ({"natureza_juridica": "12x"}, "Natureza jurídica", "formato inválido"),
    ({"tipo": "Clube de Futebol"}, "Tipo", "tipo de parceiro desconhecido"),
    ({"tipo": "Município"}, "Tipo", "não é permitido para a natureza jurídica 399-9"),
    ({"uf": "XX"}, "UF", "UF inválida"),
    ({"mandato_inicio": "2025/01/01"}, "Início do mandato", "formato inválido"),
    ({"mandato_fim": "31-12-2028"}, "Fim do mandato", "formato inválido"),
    ({"mandato_fim": "31/12/2024"}, "Fim do mandato", "anterior ao início"),
    ({"razao_social": "x" * 201}, "Razão social", "mais de 200 caracteres"),
    ({"cargo": "Pre\x00sidente"}, "Cargo", "caracteres de controle"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("mudanca", "coluna", "motivo"), INVALIDAS)
def test_linha_invalida_e_relatada_com_numero_e_motivo_e_as_boas_seguem(mudanca, coluna, motivo):
    feita = importar(conteudo_csv([linha(1), linha(2, **mudanca), linha(3)]), confirmar=True)

    assert feita.status == ImportacaoCadastro.Status.CONCLUIDA
    assert feita.resultado["invalidas"] == 1
    assert feita.resultado["validas"] == 2
    [erro] = [e for e in feita.primeiros_erros if e["linha"] == 3]
    assert erro["coluna"] == coluna
    assert motivo in erro["motivo"]
    assert set(Usuario.objects.values_list("cpf", flat=True)) >= {cpf(1), cpf(3)}
    assert not Parceiro.objects.filter(cnpj=cnpj(2)).exists()


@pytest.mark.django_db
def test_cpf_repetido_com_outros_dados_e_cnpj_com_dois_rls_sao_recusados():
    feita = importar(
        conteudo_csv(
            [
                linha(1),
                linha(2, cpf=cpf(1)),  # mesmo CPF, nome e e-mail diferentes
                linha(3, cnpj=cnpj(1)),  # mesmo CNPJ, outro RL
                linha(
                    4, cnpj=cnpj(5), cpf=cpf(1), nome="Pessoa 1", email="pessoa1@exemplo.mg.gov.br"
                ),
                linha(1),  # a mesma linha de novo: ignorada, não é erro
            ]
        )
    )

    motivos = {e["linha"]: e["motivo"] for e in feita.primeiros_erros}
    assert motivos == {
        3: "CPF repetido no arquivo (linha 2) com outros dados",
        4: "CNPJ repetido no arquivo (linha 2) com outro representante legal",
    }
    assert feita.contagens["repetidas"] == 1
    # A mesma pessoa como RL de duas organizações é uma pessoa só.
    assert feita.contagens["pessoas"]["novos"] == 1
    assert feita.contagens["organizacoes"]["novos"] == 2


@pytest.mark.django_db
def test_linha_com_colunas_a_menos_aponta_o_separador():
    conteudo = conteudo_csv([linha(1)]) + b"52998224725,Outra,pessoa@x.com\n"

    feita = importar(conteudo)

    [erro] = feita.primeiros_erros
    assert erro["linha"] == 3
    assert "confira o separador" in erro["motivo"]


# --- Prévia e gravação -----------------------------------------------------------------------
@pytest.mark.django_db
def test_previa_conta_novos_atualizados_inalterados_e_invalidos_sem_gravar():
    importar(conteudo_csv([linha(1), linha(2)]), confirmar=True)
    usuarios, parceiros = Usuario.objects.count(), Parceiro.objects.count()

    feita = importar(
        conteudo_csv([linha(1), linha(2, email="novo@exemplo.com"), linha(3), linha(4, cpf="1")])
    )

    assert feita.status == ImportacaoCadastro.Status.PRONTA
    c = feita.contagens
    assert (c["linhas"], c["validas"], c["invalidas"]) == (4, 3, 1)
    assert c["pessoas"] == {"novos": 1, "atualizados": 1, "inalterados": 1, "mantidos": 0}
    assert c["organizacoes"] == {"novos": 1, "atualizados": 0, "inalterados": 2}
    assert c["vinculos"] == {"novos": 1, "atualizados": 0, "inalterados": 2, "encerrados": 0}
    assert (Usuario.objects.count(), Parceiro.objects.count()) == (usuarios, parceiros)
    assert feita.processadas == feita.total == 4


@pytest.mark.django_db
def test_importacao_cria_pessoa_pendente_sem_calcular_hash_e_organizacao_com_rl():
    with mock.patch("django.contrib.auth.hashers.get_hasher") as hasher:
        feita = importar(conteudo_csv([linha(1), linha(2)]), confirmar=True)

    hasher.assert_not_called()
    assert feita.resultado["pessoas"]["novos"] == 2
    pessoa = Usuario.objects.get(cpf=cpf(1))
    assert pessoa.situacao == Usuario.Situacao.PENDENTE
    assert pessoa.origem == Usuario.Origem.IMPORTACAO
    assert pessoa.password.startswith("!") and len(pessoa.password) == 41
    assert not pessoa.has_usable_password()
    assert not check_password("", pessoa.password)
    assert pessoa.telefone == "31999990000"
    parceiro = Parceiro.objects.get(cnpj=cnpj(1))
    assert parceiro.razao_social == "Associação Número 1"
    assert parceiro.natureza_juridica.codigo == "3999"
    assert parceiro.tipo.nome == "Entidade Privada Sem Fins Lucrativos"
    assert parceiro.busca_nome == "ASSOCIACAO NUMERO 1 |"
    assert parceiro.busca_municipio == "BELO HORIZONTE"
    assert parceiro.numero_cadastro is not None
    vinculo = Vinculo.objects.get(parceiro=parceiro, ativo=True)
    assert (vinculo.usuario, vinculo.papel, vinculo.cargo) == (pessoa, "rl", "Presidente")
    assert (vinculo.mandato_inicio, vinculo.mandato_fim) == (date(2025, 1, 1), date(2028, 12, 31))


@pytest.mark.django_db
def test_numero_de_cadastro_segue_a_sequencia_dos_cadastrados_pelo_portal(rl):
    existente = parceiro_com_rl(rl)

    importar(conteudo_csv([linha(1), linha(2)]), confirmar=True)

    numeros = sorted(
        Parceiro.objects.filter(cnpj__in=[cnpj(1), cnpj(2)]).values_list(
            "numero_cadastro", flat=True
        )
    )
    assert numeros == [existente.numero_cadastro + 1, existente.numero_cadastro + 2]
    assert Sequencia.objects.get(nome="numero_cadastro").ultimo == numeros[-1]


@pytest.mark.django_db
def test_reimportar_o_mesmo_arquivo_nao_cria_nem_altera_nada():
    conteudo = conteudo_csv([linha(n) for n in range(1, 6)] + [linha(9, cpf="0")])
    importar(conteudo, confirmar=True)
    antes = (
        list(Usuario.objects.order_by("pk").values()),
        list(Parceiro.objects.order_by("pk").values()),
        list(Vinculo.objects.order_by("pk").values()),
        RegistroAuditoria.objects.exclude(acao__startswith="importacao.").count(),
    )

    feita = importar(conteudo, confirmar=True)

    c = feita.resultado
    for grupo in ("pessoas", "organizacoes", "vinculos"):
        assert c[grupo]["novos"] == c[grupo]["atualizados"] == 0
        assert c[grupo]["inalterados"] == 5
    depois = (
        list(Usuario.objects.order_by("pk").values()),
        list(Parceiro.objects.order_by("pk").values()),
        list(Vinculo.objects.order_by("pk").values()),
        RegistroAuditoria.objects.exclude(acao__startswith="importacao.").count(),
    )
    assert depois == antes


@pytest.mark.django_db
def test_linha_alterada_atualiza_e_audita_sem_cpf_no_texto():
    importar(conteudo_csv([linha(1)]), confirmar=True)

    feita = importar(
        conteudo_csv(
            [
                linha(
                    1,
                    email="nova@exemplo.com",
                    razao_social="Associação Renomeada",
                    cargo="Tesoureiro",
                )
            ]
        ),
        confirmar=True,
    )

    c = feita.resultado
    assert c["pessoas"]["atualizados"] == c["organizacoes"]["atualizados"] == 1
    assert c["vinculos"]["atualizados"] == 1
    pessoa = Usuario.objects.get(cpf=cpf(1))
    assert pessoa.email == "nova@exemplo.com"
    parceiro = Parceiro.objects.get(cnpj=cnpj(1))
    assert parceiro.busca_nome.startswith("ASSOCIACAO RENOMEADA")
    assert Vinculo.objects.get(parceiro=parceiro, ativo=True).cargo == "Tesoureiro"
    auditoria = RegistroAuditoria.objects.get(acao="usuario.importacao_atualizado")
    assert auditoria.usuario_afetado == pessoa
    assert auditoria.antes["email"] == "pessoa1@exemplo.mg.gov.br"
    assert auditoria.depois["email"] == "nova@exemplo.com"
    assert RegistroAuditoria.objects.filter(acao="parceiro.importacao_atualizado").exists()
    assert RegistroAuditoria.objects.filter(acao="vinculo.importacao_atualizado").exists()
    textos = " ".join(RegistroAuditoria.objects.values_list("descricao", flat=True))
    assert cpf(1) not in textos


@pytest.mark.django_db
def test_novo_rl_encerra_o_anterior_que_fica_no_historico():
    importar(conteudo_csv([linha(1)]), confirmar=True)

    feita = importar(
        conteudo_csv([linha(2, cnpj=cnpj(1), razao_social="Associação Número 1")]), confirmar=True
    )

    assert feita.resultado["vinculos"] == {
        "novos": 1,
        "atualizados": 0,
        "inalterados": 0,
        "encerrados": 1,
    }
    vinculos = Vinculo.objects.filter(parceiro__cnpj=cnpj(1))
    anterior = vinculos.get(usuario__cpf=cpf(1))
    assert not anterior.ativo and anterior.encerrado_em is not None
    assert vinculos.get(ativo=True).usuario.cpf == cpf(2)
    assert RegistroAuditoria.objects.filter(acao="vinculo.rl").count() == 1


@pytest.mark.django_db
def test_conta_ja_ativa_nao_tem_senha_situacao_nem_dados_alterados(senha):
    ativa = UsuarioFactory(aceitou_termo=True, nome="Nome Escolhido Pela Pessoa")
    senha_antes = ativa.password

    feita = importar(conteudo_csv([linha(1, cpf=ativa.cpf)]), confirmar=True)

    ativa.refresh_from_db()
    assert feita.resultado["pessoas"]["mantidos"] == 1
    assert ativa.password == senha_antes and ativa.check_password(senha)
    assert ativa.situacao == Usuario.Situacao.ATIVO
    assert ativa.nome == "Nome Escolhido Pela Pessoa"
    assert Vinculo.objects.get(parceiro__cnpj=cnpj(1), ativo=True).usuario == ativa


@pytest.mark.django_db
def test_situacao_dos_parceiros_afetados_e_recalculada_por_tipo():
    with mock.patch("parceiros.situacao.recalcular_todos") as recalcular:
        importar(conteudo_csv([linha(1)]), confirmar=True)
        importar(conteudo_csv([linha(1)]), confirmar=True)  # nada mudou: não recalcula

    tipo = TipoParceiro.objects.get(nome="Entidade Privada Sem Fins Lucrativos")
    recalcular.assert_called_once_with(motivo="Importação de cadastro", tipos=[tipo.pk])


# --- Formatos ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_csv_com_virgula_bom_datas_iso_natureza_sem_hifen_e_tipo_sem_acento():
    conteudo = conteudo_csv(
        [
            linha(
                1,
                natureza_juridica="1244",
                tipo="MUNICIPIO",
                mandato_inicio="2025-01-01",
                mandato_fim="2028-12-31",
            )
        ],
        separador=",",
        bom=True,
        cabecalho=[ROTULOS[c] if c != "cpf" else " CPF " for c in COLUNAS],
    )

    feita = importar(conteudo, confirmar=True)

    assert feita.resultado["validas"] == 1, feita.primeiros_erros
    parceiro = Parceiro.objects.get(cnpj=cnpj(1))
    assert (parceiro.tipo.nome, parceiro.natureza_juridica.codigo) == ("Município", "1244")


@pytest.mark.django_db
def test_planilha_xlsx_com_cpf_numerico_e_datas_do_excel():
    livro = Workbook()
    planilha = livro.active
    planilha.append(list(COLUNAS))
    valores = linha(1, cpf="01234567890")
    valores["cpf"] = 1234567890  # o Excel guarda como número e perde o zero
    valores["mandato_inicio"] = datetime(2025, 1, 1)
    valores["mandato_fim"] = date(2028, 12, 31)
    planilha.append([valores[c] for c in COLUNAS])
    planilha.append([None] * len(COLUNAS))  # linha em branco: ignorada
    planilha.append([linha(2, cpf="1")[c] for c in COLUNAS])
    saida = io.BytesIO()
    livro.save(saida)

    feita = importar(saida.getvalue(), nome="carga.xlsx", confirmar=True)

    assert (feita.resultado["validas"], feita.resultado["invalidas"]) == (1, 1)
    assert feita.primeiros_erros[0]["linha"] == 4
    assert Vinculo.objects.get(usuario__cpf="01234567890").mandato_inicio == date(2025, 1, 1)


ARQUIVOS_RUINS = [
    (
        "latin1",
        conteudo_csv([linha(1, nome="José Conceição")]).decode().encode("latin-1"),
        "não está em UTF-8",
    ),
    ("tab", conteudo_csv([linha(1)], separador="\t"), "Separador de colunas não reconhecido"),
    (
        "sem_coluna",
        conteudo_csv([linha(1)], colunas=[c for c in COLUNAS if c != "cargo"]),
        "Faltam colunas no cabeçalho: cargo.",
    ),
    ("vazio", b"", "O arquivo está vazio."),
    ("so_bom", "\ufeff\r\n".encode(), "O arquivo está vazio."),
    ("xlsx_quebrado", b"PK\x03\x04lixo", "A planilha não pôde ser aberta"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("caso", "conteudo", "mensagem"), ARQUIVOS_RUINS, ids=[a[0] for a in ARQUIVOS_RUINS]
)
def test_arquivo_ruim_falha_com_mensagem_clara(caso, conteudo, mensagem):
    feita = importar(conteudo, confirmar=True)

    assert feita.status == ImportacaoCadastro.Status.FALHOU
    assert mensagem in feita.mensagem
    assert not Usuario.objects.filter(origem=Usuario.Origem.IMPORTACAO).exists()


@pytest.mark.django_db
def test_modelo_csv_tem_o_cabecalho_e_um_exemplo_que_importa():
    modelo = importacao.modelo_csv()

    feita = importar(modelo.encode(), confirmar=True)

    assert modelo.startswith("\ufeff" + ";".join(COLUNAS))
    assert feita.resultado["validas"] == 1, feita.primeiros_erros


# --- Erros para baixar e comando --------------------------------------------------------------
@pytest.mark.django_db
def test_csv_de_erros_tem_todas_as_linhas_invalidas():
    conteudo = conteudo_csv([linha(n, cpf="123") if n % 2 else linha(n) for n in range(1, 121)])

    feita = importar(conteudo)

    erros = erros_do_csv(feita)
    assert len(erros) == feita.total_erros == 60
    assert len(feita.primeiros_erros) == importacao.ERROS_NA_PREVIA
    assert erros[0] == {
        "arquivo": "carga.csv",
        "linha": "2",
        "coluna": "CPF",
        "motivo": "deve ter 11 dígitos",
    }


@pytest.mark.django_db
def test_comando_faz_a_previa_por_padrao_e_grava_com_confirmar(tmp_path):
    arquivo = tmp_path / "carga.csv"
    arquivo.write_bytes(conteudo_csv([linha(1), linha(2, cpf="1")]))
    saida = io.StringIO()

    call_command("importar_cadastro", str(arquivo), stdout=saida)

    assert not Usuario.objects.filter(cpf=cpf(1)).exists()
    texto = saida.getvalue()
    assert "Prévia (nada foi gravado)" in texto
    assert "Pessoas: novos 1" in texto
    assert "1 erro(s) em 1 linha(s): " in texto and ".csv" in texto

    saida = io.StringIO()
    call_command("importar_cadastro", str(arquivo), "--confirmar", stdout=saida)

    assert "Importação concluída" in saida.getvalue()
    assert Usuario.objects.filter(cpf=cpf(1), origem=Usuario.Origem.IMPORTACAO).exists()


@pytest.mark.django_db
def test_comando_com_arquivo_ruim_termina_com_erro(tmp_path):
    from django.core.management.base import CommandError

    arquivo = tmp_path / "vazio.csv"
    arquivo.write_bytes(b"")

    with pytest.raises(CommandError, match="O arquivo está vazio"):
        call_command("importar_cadastro", str(arquivo))


# --- Propriedades: qualquer linha é válida ou tem um motivo em português ---------------------
@pytest.fixture(scope="module")
def catalogo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return Catalogo.carregar()


texto_qualquer = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["", " ", "529.982.247-25", "124-4", "Município", "01/01/2025", "MG"]),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.fixed_dictionaries(dict.fromkeys(COLUNAS, texto_qualquer)))
def test_linha_aleatoria_e_valida_ou_tem_motivo(catalogo, valores):
    resultado, erros = validar_linha(valores, catalogo, 2)

    assert (resultado is None) == bool(erros)
    for coluna, motivo in erros:
        assert coluna in ROTULOS
        assert isinstance(motivo, str) and motivo.strip()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.binary(max_size=400)
    | st.text(max_size=300).map(lambda t: (";".join(COLUNAS) + "\n" + t).encode())
)
def test_arquivo_aleatorio_le_ou_recusa_com_mensagem(catalogo, conteudo):
    try:
        _, linhas = importacao.ler(io.BytesIO(conteudo), "x.csv")
        for numero, valores in linhas:
            if valores is not None:
                validar_linha(valores, catalogo, numero)
    except ArquivoInvalido as erro:
        assert str(erro).strip()


# --- Uma gravação de cada vez ------------------------------------------------------------------
@pytest.fixture
def trava_de_outra_importacao():
    """Outra conexão (outro worker) segura a trava da gravação enquanto o teste roda."""
    import psycopg
    from django.db import connection

    from cagec.lib import travas

    if connection.vendor != "postgresql":
        pytest.skip("A trava entre processos é do PostgreSQL.")
    parametros = connection.get_connection_params()
    outra = psycopg.connect(autocommit=True, **parametros)
    outra.execute("SELECT pg_advisory_lock(%s)", [travas.chave(importacao.TRAVA)])
    yield outra
    outra.close()


def confirmada(conteudo):
    feita = importacao.criar_importacao(ContentFile(conteudo, name="carga.csv"), agendar=False)
    importacao.validar(feita.pk)
    feita.refresh_from_db()
    return importacao.confirmar(feita, agendar=False)


@pytest.mark.django_db(transaction=True)
def test_com_outra_importacao_gravando_esta_espera_sem_gravar_e_depois_completa(
    trava_de_outra_importacao,
):
    feita = confirmada(conteudo_csv([linha(1), linha(2)]))

    with pytest.raises(importacao.OutraImportacaoGravando):
        importacao.executar(feita.pk)

    feita.refresh_from_db()
    assert feita.status == ImportacaoCadastro.Status.IMPORTANDO
    assert feita.mensagem == importacao.MENSAGEM_ESPERANDO
    assert not Usuario.objects.filter(cpf=cpf(1)).exists()

    trava_de_outra_importacao.execute("SELECT pg_advisory_unlock_all()")
    feita = importacao.executar(feita.pk)
    assert feita.status == ImportacaoCadastro.Status.CONCLUIDA and feita.mensagem == ""
    assert Usuario.objects.filter(cpf__in=[cpf(1), cpf(2)]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_task_tenta_de_novo_enquanto_a_outra_grava_e_desiste_no_limite(
    trava_de_outra_importacao,
):
    from celery.exceptions import Retry

    from parceiros import tasks

    feita = confirmada(conteudo_csv([linha(1)]))
    with pytest.raises(Retry):
        tasks.importar_cadastro.apply(args=[feita.pk], throw=True)

    ultima = tasks.importar_cadastro.max_retries
    tasks.importar_cadastro.apply(args=[feita.pk], retries=ultima, throw=True)
    feita.refresh_from_db()
    assert feita.status == ImportacaoCadastro.Status.FALHOU
    assert "Outra importação ficou gravando" in feita.mensagem
    assert not Usuario.objects.filter(cpf=cpf(1)).exists()


@pytest.mark.django_db(transaction=True)
def test_comando_espera_a_outra_importacao_terminar(trava_de_outra_importacao):
    import threading

    soltar = threading.Timer(
        0.5, trava_de_outra_importacao.execute, ["SELECT pg_advisory_unlock_all()"]
    )
    soltar.start()
    feita = importacao.importar_arquivo(
        ContentFile(conteudo_csv([linha(1)]), name="carga.csv"),
        confirmar_importacao=True,
        espera=0.2,
    )
    soltar.join()
    assert feita.status == ImportacaoCadastro.Status.CONCLUIDA
