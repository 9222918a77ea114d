"""Importação com as organizações num segundo arquivo, ligado ao de pessoas pelo CNPJ."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from accounts.models import Usuario
from parceiros import importacao
from parceiros.importacao import COLUNAS_ORGANIZACAO, COLUNAS_PESSOA
from parceiros.models import ImportacaoCadastro, Parceiro, Vinculo

from .test_importacao import cnpj, conteudo_csv, cpf, erros_do_csv, linha

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]
S = ImportacaoCadastro.Status


def pessoas(*linhas):
    return conteudo_csv(linhas, colunas=COLUNAS_PESSOA)


def organizacoes(*linhas):
    return conteudo_csv(linhas, colunas=COLUNAS_ORGANIZACAO)


def importar(arquivo_pessoas, arquivo_organizacoes, *, confirmar=False):
    return importacao.importar_arquivo(
        ContentFile(arquivo_pessoas, name="pessoas.csv"),
        organizacoes=ContentFile(arquivo_organizacoes, name="organizacoes.csv"),
        confirmar_importacao=confirmar,
    )


def erros(feita):
    return [(e["arquivo"], int(e["linha"]), e["coluna"], e["motivo"]) for e in erros_do_csv(feita)]


def test_organizacoes_do_segundo_arquivo_entram_com_o_rl_do_primeiro():
    orgs = organizacoes(linha(2, razao_social="Instituto Dois"), linha(1, razao_social="Um"))

    previa = importar(pessoas(linha(1), linha(2)), orgs)

    assert previa.status == S.PRONTA and previa.total_erros == 0
    assert previa.contagens["organizacoes"]["novos"] == 2
    assert previa.contagens["arquivo_organizacoes"] == {"linhas": 2, "com_erro": 0, "sem_rl": 0}
    assert previa.nome_organizacoes == "organizacoes.csv"

    feita = importar(pessoas(linha(1), linha(2)), orgs, confirmar=True)

    assert feita.status == S.CONCLUIDA
    parceiro = Parceiro.objects.get(cnpj=cnpj(2))
    assert parceiro.razao_social == "Instituto Dois" and parceiro.uf == "MG"
    rl = Vinculo.objects.get(parceiro=parceiro, papel=Vinculo.Papel.RL, ativo=True)
    assert rl.usuario.cpf == cpf(2) and rl.cargo == "Presidente"


def test_reimportar_os_dois_arquivos_nao_cria_nem_altera_nada():
    arquivos = (pessoas(linha(1), linha(2)), organizacoes(linha(1), linha(2)))
    importar(*arquivos, confirmar=True)

    segunda = importar(*arquivos, confirmar=True)

    r = segunda.resultado
    assert (
        sum(r[g]["novos"] + r[g]["atualizados"] for g in ("pessoas", "organizacoes", "vinculos"))
        == 0
    )
    assert (Usuario.objects.filter(cpf__in=[cpf(1), cpf(2)]).count(), Parceiro.objects.count()) == (
        2,
        2,
    )


def test_cnpj_que_falta_no_arquivo_de_organizacoes_e_erro_da_pessoa():
    feita = importar(pessoas(linha(1), linha(2)), organizacoes(linha(1)), confirmar=True)

    assert erros(feita) == [("pessoas.csv", 3, "CNPJ", "CNPJ não está no arquivo de organizações")]
    assert Parceiro.objects.filter(cnpj=cnpj(1)).exists()
    assert not Usuario.objects.filter(cpf=cpf(2)).exists()


def test_erro_na_organizacao_sai_uma_vez_na_linha_dela_e_a_pessoa_aponta_para_ela():
    orgs = organizacoes(linha(1), linha(2, natureza_juridica="999-9", uf="XX"))

    feita = importar(pessoas(linha(2, nome=""), linha(1)), orgs)

    assert erros(feita) == [
        ("organizacoes.csv", 3, "Natureza jurídica", "999-9 não existe na tabela da Receita"),
        ("organizacoes.csv", 3, "UF", "UF inválida (use a sigla, por exemplo MG)"),
        ("pessoas.csv", 2, "Nome", "campo obrigatório em branco"),
        (
            "pessoas.csv",
            2,
            "CNPJ",
            "a organização tem erros no arquivo de organizações (linha 3)",
        ),
    ]
    assert feita.contagens["invalidas"] == 1 and feita.contagens["validas"] == 1
    assert feita.contagens["arquivo_organizacoes"]["com_erro"] == 1


def test_cnpj_repetido_com_outros_dados_e_linha_sem_cnpj_no_arquivo_de_organizacoes():
    orgs = organizacoes(
        linha(1), linha(1, razao_social="Outro Nome"), linha(9, cnpj=""), linha(8, cnpj="123")
    )

    feita = importar(pessoas(linha(1)), orgs)

    assert erros(feita) == [
        ("organizacoes.csv", 4, "CNPJ", "campo obrigatório em branco"),
        ("organizacoes.csv", 5, "CNPJ", "CNPJ inválido"),
        ("organizacoes.csv", 2, "CNPJ", "CNPJ repetido na linha 3 com outros dados"),
        (
            "pessoas.csv",
            2,
            "CNPJ",
            "a organização tem erros no arquivo de organizações (linha 2)",
        ),
    ]


def test_organizacao_sem_ninguem_no_arquivo_de_pessoas_nao_entra_e_e_listada():
    feita = importar(pessoas(linha(1)), organizacoes(linha(1), linha(2)), confirmar=True)

    assert feita.status == S.CONCLUIDA
    assert not Parceiro.objects.filter(cnpj=cnpj(2)).exists()
    assert feita.resultado["arquivo_organizacoes"]["sem_rl"] == 1
    assert erros(feita) == [
        (
            "organizacoes.csv",
            3,
            "CNPJ",
            "nenhuma pessoa do arquivo principal tem este CNPJ: organização não importada",
        )
    ]


@pytest.mark.parametrize(
    ("arquivo_pessoas", "arquivo_organizacoes", "mensagem"),
    [
        (
            pessoas(linha(1)),
            conteudo_csv([linha(1)], colunas=("cnpj", "razao_social", "uf")),
            "Arquivo de organizações (organizacoes.csv): Faltam colunas no cabeçalho: "
            "natureza_juridica, tipo, municipio.",
        ),
        (
            conteudo_csv([linha(1)], colunas=("cpf", "nome", "cnpj")),
            organizacoes(linha(1)),
            "Arquivo de pessoas (pessoas.csv): Faltam colunas no cabeçalho: email, telefone, "
            "cargo, mandato_inicio, mandato_fim.",
        ),
        (
            pessoas(linha(1)),
            b"",
            "Arquivo de organizações (organizacoes.csv): O arquivo está vazio.",
        ),
    ],
)
def test_cabecalho_ou_arquivo_ruim_diz_qual_dos_dois(
    arquivo_pessoas, arquivo_organizacoes, mensagem
):
    feita = importar(arquivo_pessoas, arquivo_organizacoes)
    assert feita.status == S.FALHOU and feita.mensagem == mensagem


def test_arquivo_so_de_pessoas_sem_o_de_organizacoes_pede_as_colunas():
    feita = importacao.importar_arquivo(ContentFile(pessoas(linha(1)), name="pessoas.csv"))
    assert feita.status == S.FALHOU
    assert feita.mensagem == (
        "Faltam colunas no cabeçalho: razao_social, natureza_juridica, tipo, municipio, uf."
    )


def test_comando_com_organizacoes(tmp_path, capsys):
    (tmp_path / "p.csv").write_bytes(pessoas(linha(1)))
    (tmp_path / "o.csv").write_bytes(organizacoes(linha(1)))

    call_command(
        "importar_cadastro",
        str(tmp_path / "p.csv"),
        organizacoes=str(tmp_path / "o.csv"),
        confirmar=True,
    )

    saida = capsys.readouterr().out
    assert "Importação concluída" in saida
    assert "Arquivo de organizações: 1 linha(s) · com erro: 0 · sem RL: 0" in saida
    assert Parceiro.objects.filter(cnpj=cnpj(1)).exists()


def test_modelos_de_pessoas_e_de_organizacoes():
    assert importacao.modelo_csv("pessoas").splitlines()[0] == "\ufeff" + ";".join(COLUNAS_PESSOA)
    cabecalho = importacao.modelo_csv("organizacoes").splitlines()[0]
    assert cabecalho == "\ufeffcnpj;razao_social;natureza_juridica;tipo;municipio;uf"
