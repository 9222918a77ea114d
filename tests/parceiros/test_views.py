"""Views de Parceiros e Declarações pelo cliente de teste do Django.

* Toda URL de objeto recusa estranhos com 404 (nunca 403 nem 200) e manda o visitante
  anônimo para /entrar/; quem tem direito (solicitante, RL, RI, equipe) abre a página.
* O assistente de inscrição de ponta a ponta: CNPJ alfanumérico pontuado, CNPJ inativo,
  CNPJ já no CAGEC, tipos filtrados pela natureza jurídica, representante e mandato.
* Uploads no passo de documentos: 21 MB, HTML com extensão .pdf, nome com ``../``,
  arquivo vazio, validade vencida, PNG e JPEG; o download com cabeçalhos de proteção.
* Assinatura pela view, encaminhamento e a linha do tempo em português.
* Responsáveis pelas Informações, painel e número de consultas independente do volume.

Os estados são montados pelos serviços (``parceiros.services``/``declaracoes.services``).
"""

import hashlib
import io
import re
import struct
import zlib
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Usuario
from cagec.core.models import EmailSaida
from declaracoes import services as declaracoes_services
from declaracoes.models import Declaracao
from parceiros import selectors, services
from parceiros.models import Documento, Obrigacao, Parceiro, Solicitacao, TipoParceiro, Vinculo

from ..factories import (
    CNPJ_ALFANUMERICO,
    CNPJ_ASSOCIACAO,
    CNPJ_BAIXADO,
    CNPJ_EMPRESA,
    CNPJ_LIVRE,
    CNPJ_MUNICIPIO,
    SENHA,
    UsuarioFactory,
    cpf_aleatorio,
    parceiro_com_rl,
    pdf_pequeno,
)

pytestmark = pytest.mark.django_db

S = Solicitacao.Status
T = Solicitacao.Tipo
R = Obrigacao.Regra
MB = 1024 * 1024


# --- Arquivos de teste ------------------------------------------------------------------------
def _png():
    """PNG 1×1 válido (assinatura, IHDR, IDAT, IEND)."""

    def bloco(tipo, dados):
        corpo = tipo + dados
        return struct.pack(">I", len(dados)) + corpo + struct.pack(">I", zlib.crc32(corpo))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + bloco(b"IHDR", ihdr) + bloco(b"IDAT", idat) + bloco(b"IEND", b"")


def _jpeg():
    from PIL import Image

    saida = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(saida, "JPEG")
    return saida.getvalue()


def _arquivo(nome="documento.pdf", conteudo=None, content_type="application/pdf"):
    return SimpleUploadedFile(nome, pdf_pequeno() if conteudo is None else conteudo, content_type)


def _arquivos_gravados(media):
    raiz = Path(media)
    return sorted(p for p in raiz.rglob("*") if p.is_file()) if raiz.exists() else []


# --- Estados, sempre pelos serviços -------------------------------------------------------------
def _obrigacao(solicitacao, regra=R.FIM_MANDATO):
    return selectors.obrigacoes_da_solicitacao(solicitacao).filter(regra_validade=regra).first()


def _anexar(solicitacao, autor, regra=R.FIM_MANDATO, **datas):
    return services.anexar_documento(
        solicitacao,
        ator=autor,
        obrigacao=_obrigacao(solicitacao, regra),
        arquivo=_arquivo(),
        **datas,
    )


def _atualizacao_enviada(parceiro, autor, tipo=T.DOCUMENTOS):
    """Atualização (com um anexo, se for de documentos) enviada para a assinatura do RL."""
    solicitacao = services.iniciar_atualizacao(parceiro, tipo, ator=autor)
    documento = _anexar(solicitacao, autor) if tipo == T.DOCUMENTOS else None
    services.enviar_para_assinatura(solicitacao, ator=autor)
    return solicitacao, documento


def _recarregar(objeto):
    objeto.refresh_from_db()
    return objeto


def _texto(resposta):
    """O texto visível da página, sem tags e com os espaços normalizados."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", resposta.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _resumo_erros(resposta):
    achado = re.search(r'id="resumo-erros".*?</ul>', resposta.content.decode(), re.S)
    return unescape(achado.group(0)) if achado else ""


@pytest.fixture
def objetos(rl, parceiro, ri, media_temporaria):
    """Um objeto de cada URL, todos do ``parceiro`` (RL ``rl``, RI ``ri``)."""
    inscricao = services.iniciar_inscricao(CNPJ_LIVRE, ator=rl)
    rascunho = services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)
    anexo = _anexar(rascunho, rl)
    assinada, _ = _atualizacao_enviada(parceiro, rl, tipo=T.DADOS)
    declaracao = declaracoes_services.assinar(assinada, ator=rl)
    pendente, _ = _atualizacao_enviada(parceiro, ri, tipo=T.DADOS)
    vinculo_ri = Vinculo.objects.get(parceiro=parceiro, usuario=ri, ativo=True)
    return {
        "inscricao": inscricao,
        "rascunho": rascunho,
        "anexo": anexo,
        "assinada": assinada,
        "declaracao": declaracao,
        "pendente": pendente,
        "vinculo_ri": vinculo_ri,
        "cnpj": parceiro.cnpj,
    }


# (método, modelo da URL) de cada URL de objeto.
URLS_DE_OBJETO = {
    "detalhe": ("get", "/solicitacoes/{inscricao.pk}/"),
    "passo-dados": ("get", "/solicitacoes/{inscricao.pk}/dados/"),
    "passo-representante": ("get", "/solicitacoes/{inscricao.pk}/representante/"),
    "passo-documentos": ("get", "/solicitacoes/{inscricao.pk}/documentos/"),
    "passo-revisao": ("get", "/solicitacoes/{inscricao.pk}/revisao/"),
    "passo-documentos-post": ("post", "/solicitacoes/{rascunho.pk}/documentos/"),
    "passo-revisao-post": ("post", "/solicitacoes/{rascunho.pk}/revisao/"),
    "encaminhar": ("post", "/solicitacoes/{assinada.pk}/encaminhar/"),
    "o-que-corrigir": ("get", "/solicitacoes/{rascunho.pk}/o-que-corrigir/"),
    "cancelar": ("post", "/solicitacoes/{rascunho.pk}/cancelar/"),
    "reabrir": ("post", "/solicitacoes/{pendente.pk}/reabrir/"),
    "remover-documento": ("post", "/solicitacoes/{rascunho.pk}/documentos/{anexo.pk}/remover/"),
    "assinar": ("get", "/solicitacoes/{pendente.pk}/assinar/"),
    "assinar-post": ("post", "/solicitacoes/{pendente.pk}/assinar/"),
    "pasta-digital": ("get", "/parceiros/{cnpj}/"),
    "responsaveis": ("get", "/parceiros/{cnpj}/responsaveis/"),
    "responsaveis-post": ("post", "/parceiros/{cnpj}/responsaveis/"),
    "remover-responsavel": ("post", "/parceiros/{cnpj}/responsaveis/{vinculo_ri.pk}/remover/"),
    "atualizar-dados": ("post", "/parceiros/{cnpj}/solicitacoes/dados/"),
    "atualizar-documentos": ("post", "/parceiros/{cnpj}/solicitacoes/documentos/"),
    "trocar-rl": ("post", "/parceiros/{cnpj}/solicitacoes/vinculacao_rl/"),
    "download": ("get", "/documentos/{anexo.pk}/"),
    "declaracao-pdf": ("get", "/declaracoes/{declaracao.pk}/pdf/"),
}


def _retrato():
    """Tudo o que uma requisição recusada não pode ter mudado."""
    return {
        "solicitacoes": sorted(Solicitacao.objects.values_list("pk", "status", "passo")),
        "documentos": sorted(Documento.objects.values_list("pk", flat=True)),
        "vinculos": sorted(Vinculo.objects.values_list("pk", "ativo")),
        "declaracoes": Declaracao.objects.count(),
        "emails": EmailSaida.objects.count(),
        "parceiros": Parceiro.objects.count(),
    }


def _dados_post(nome, objetos, pessoa):
    """O que um intruso mandaria: o anexo de verdade, o próprio CPF e senha."""
    if nome == "passo-documentos-post":
        obrigacao = _obrigacao(objetos["rascunho"])
        return {"obrigacao": obrigacao.pk, f"o{obrigacao.pk}-arquivo": _arquivo()}
    if nome == "assinar-post" and pessoa:
        return {"cpf": pessoa.cpf, "senha": SENHA}
    if nome == "responsaveis-post":
        return {"cpf": pessoa.cpf if pessoa else "529.982.247-25", "cargo": "Intruso"}
    return {}


def _requisitar(cliente, nome, objetos, pessoa=None):
    metodo, modelo = URLS_DE_OBJETO[nome]
    url = modelo.format(**objetos)
    if metodo == "post":
        return url, cliente.post(url, _dados_post(nome, objetos, pessoa))
    return url, cliente.get(url)


# --- Estranhos: 404 em toda URL de objeto ----------------------------------------------------
@pytest.mark.parametrize("nome", URLS_DE_OBJETO)
def test_estranho_logado_recebe_404_em_toda_url_de_objeto(
    client, outro_rl, objetos, parceiro, nome
):
    antes = _retrato()
    client.force_login(outro_rl)
    url, resposta = _requisitar(client, nome, objetos, outro_rl)
    assert resposta.status_code == 404, (url, resposta.status_code)
    pagina = resposta.content.decode(errors="replace")
    assert "Página não encontrada" in pagina
    assert parceiro.razao_social not in pagina
    assert _retrato() == antes


@pytest.mark.parametrize("nome", URLS_DE_OBJETO)
def test_anonimo_e_mandado_para_entrar_em_toda_url_de_objeto(client, objetos, parceiro, nome):
    antes = _retrato()
    url, resposta = _requisitar(client, nome, objetos)
    assert resposta.status_code == 302
    assert resposta["Location"].startswith("/entrar/?next=")
    assert _retrato() == antes


@pytest.mark.parametrize(
    "url",
    [
        "/solicitacoes/99999999999999999999999/",
        "/solicitacoes/99999999999999999999999/dados/",
        "/documentos/99999999999999999999/",
        "/declaracoes/99999999999999999999/pdf/",
        "/parceiros/00000000000000/",
        "/parceiros/nao-e-cnpj/",
    ],
)
def test_objeto_inexistente_ou_id_enorme_da_404(client, rl, url):
    client.force_login(rl)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/parceiros/%00/",
        "/parceiros/18000001000100%00/",
        "/parceiros/%00/responsaveis/",
        "/solicitacoes/nova/vinculacao/%00/",
    ],
)
def test_cnpj_com_nul_na_url_da_404_e_nao_500(client, rl, parceiro, url, request):
    client.force_login(rl)
    assert client.get(url).status_code == 404


# --- Quem tem direito abre ---------------------------------------------------------------------
@pytest.mark.parametrize("quem", ["rl", "ri", "analista"])
@pytest.mark.parametrize(
    "nome", ["pasta-digital", "download", "declaracao-pdf", "detalhe-atualizacao"]
)
def test_rl_ri_e_equipe_abrem_pasta_documentos_e_solicitacoes(client, objetos, quem, nome, request):
    client.force_login(request.getfixturevalue(quem))
    urls = {
        "pasta-digital": "/parceiros/{cnpj}/",
        "download": "/documentos/{anexo.pk}/",
        "declaracao-pdf": "/declaracoes/{declaracao.pk}/pdf/",
        "detalhe-atualizacao": "/solicitacoes/{pendente.pk}/",
    }
    resposta = client.get(urls[nome].format(**objetos))
    assert resposta.status_code == 200
    if resposta.streaming:  # consumir fecha o arquivo (e a resposta) como no servidor
        assert b"".join(resposta.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("passo", ["dados", "representante", "documentos", "revisao"])
def test_quem_criou_a_inscricao_abre_cada_passo_e_o_detalhe(client, rl, objetos, passo):
    client.force_login(rl)
    inscricao = objetos["inscricao"]
    assert client.get(f"/solicitacoes/{inscricao.pk}/{passo}/").status_code == 200
    assert client.get(f"/solicitacoes/{inscricao.pk}/").status_code == 200


def test_passo_que_nao_existe_no_tipo_da_solicitacao_da_404_ate_para_o_dono(client, rl, objetos):
    client.force_login(rl)
    rascunho = objetos["rascunho"]  # atualização de documentos: só documentos e revisão
    assert client.get(f"/solicitacoes/{rascunho.pk}/representante/").status_code == 404
    assert client.get(f"/solicitacoes/{rascunho.pk}/qualquer/").status_code == 404


@pytest.mark.parametrize("quem", ["ri", "analista"])
def test_so_quem_criou_edita_os_passos_mas_ri_e_equipe_veem_o_detalhe(
    client, objetos, quem, request
):
    client.force_login(request.getfixturevalue(quem))
    rascunho = objetos["rascunho"]
    assert client.get(f"/solicitacoes/{rascunho.pk}/").status_code == 200
    assert client.get(f"/solicitacoes/{rascunho.pk}/documentos/").status_code == 404
    assert client.post(f"/solicitacoes/{rascunho.pk}/cancelar/").status_code == 404
    assert _recarregar(rascunho).status == S.RASCUNHO


@pytest.mark.parametrize("quem", ["ri", "analista"])
def test_gerir_responsaveis_e_so_do_rl(client, objetos, quem, request):
    client.force_login(request.getfixturevalue(quem))
    cnpj, vinculo = objetos["cnpj"], objetos["vinculo_ri"]
    assert client.get(f"/parceiros/{cnpj}/responsaveis/").status_code == 404
    assert client.post(f"/parceiros/{cnpj}/responsaveis/{vinculo.pk}/remover/").status_code == 404
    assert _recarregar(vinculo).ativo


def test_rl_abre_gerir_responsaveis_e_ve_o_ri(client, rl, ri, objetos):
    client.force_login(rl)
    resposta = client.get(f"/parceiros/{objetos['cnpj']}/responsaveis/")
    assert resposta.status_code == 200
    assert ri.nome in _texto(resposta)


def test_so_o_rl_indicado_abre_a_assinatura(client, rl, ri, analista, objetos):
    pendente = objetos["pendente"]  # preparada pelo RI, espera o RL
    client.force_login(rl)
    assert client.get(f"/solicitacoes/{pendente.pk}/assinar/").status_code == 200
    for pessoa in (ri, analista):
        client.force_login(pessoa)
        assert client.get(f"/solicitacoes/{pendente.pk}/assinar/").status_code == 404


def test_ri_cancela_nao_pode_mas_reabre_a_propria_solicitacao(client, ri, objetos):
    client.force_login(ri)
    pendente = objetos["pendente"]
    resposta = client.post(f"/solicitacoes/{pendente.pk}/reabrir/")
    assert resposta.status_code == 302
    assert _recarregar(pendente).status == S.RASCUNHO


def test_dono_retira_anexo_e_cancela_o_rascunho(
    client, rl, objetos, media_temporaria, django_capture_on_commit_callbacks
):
    client.force_login(rl)
    rascunho, anexo = objetos["rascunho"], objetos["anexo"]
    caminho = Path(media_temporaria, anexo.arquivo.name)
    assert caminho.exists()
    with django_capture_on_commit_callbacks(execute=True):
        resposta = client.post(f"/solicitacoes/{rascunho.pk}/documentos/{anexo.pk}/remover/")
    assert resposta["Location"] == f"/solicitacoes/{rascunho.pk}/documentos/"
    assert not Documento.objects.filter(pk=anexo.pk).exists()
    assert not caminho.exists()
    assert client.post(f"/solicitacoes/{rascunho.pk}/cancelar/").status_code == 302
    assert _recarregar(rascunho).status == S.CANCELADA


def test_ri_inicia_atualizacao_de_documentos_pela_pasta_digital(client, ri, parceiro, rl):
    client.force_login(ri)
    resposta = client.post(f"/parceiros/{parceiro.cnpj}/solicitacoes/documentos/")
    solicitacao = Solicitacao.objects.get(solicitante=ri, tipo=T.DOCUMENTOS)
    assert resposta["Location"] == f"/solicitacoes/{solicitacao.pk}/documentos/"
    assert solicitacao.representante_legal == rl


def test_tipo_de_atualizacao_desconhecido_da_404(client, rl, parceiro):
    client.force_login(rl)
    for tipo in ("inscricao", "inscricao_ri", "qualquer"):
        resposta = client.post(f"/parceiros/{parceiro.cnpj}/solicitacoes/{tipo}/")
        assert resposta.status_code == 404
    assert not Solicitacao.objects.exists()


# --- Assistente de inscrição -------------------------------------------------------------------
def test_cnpj_alfanumerico_pontuado_cria_rascunho_e_vai_para_o_passo_dados(client, rl):
    client.force_login(rl)
    resposta = client.post("/solicitacoes/nova/", {"cnpj": "12.ABC.345/01DE-35"})
    solicitacao = Solicitacao.objects.get()
    assert resposta.status_code == 302
    assert resposta["Location"] == f"/solicitacoes/{solicitacao.pk}/dados/"
    assert solicitacao.cnpj == CNPJ_ALFANUMERICO
    assert (solicitacao.tipo, solicitacao.status) == (T.INSCRICAO, S.RASCUNHO)
    assert solicitacao.solicitante == rl
    pagina = _texto(client.get(resposta["Location"]))
    assert "ASSOCIACAO DOS MORADORES DO BAIRRO ALVORADA" in pagina
    assert "CNPJ 12.ABC.345/01DE-35" in pagina
    assert "Dados da Receita Federal travados" in pagina


def test_cnpj_minusculo_e_o_mesmo_cnpj_e_reaproveita_o_rascunho(client, rl):
    client.force_login(rl)
    primeira = client.post("/solicitacoes/nova/", {"cnpj": "12.ABC.345/01DE-35"})
    segunda = client.post("/solicitacoes/nova/", {"cnpj": " 12abc34501de35 "})
    assert segunda["Location"] == primeira["Location"]
    assert Solicitacao.objects.count() == 1


@pytest.mark.parametrize(
    ("cnpj", "situacao"),
    [
        (CNPJ_BAIXADO, "baixada"),
        ("07000007000152", "inapta"),
        ("07000008000105", "suspensa"),
        ("07000009000141", "nula"),
    ],
)
def test_cnpj_inativo_na_receita_mostra_o_motivo_e_nao_cria_nada(client, rl, cnpj, situacao):
    client.force_login(rl)
    formatado = f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"
    resposta = client.post("/solicitacoes/nova/", {"cnpj": formatado})
    assert resposta.status_code == 200
    resumo = _resumo_erros(resposta)
    assert 'href="#id_cnpj"' in resumo
    assert f"A Receita Federal informa este CNPJ como {situacao}" in resumo
    assert "Só organizações com CNPJ ativo podem ser inscritas no CAGEC." in resumo
    assert not Solicitacao.objects.exists()
    assert not Parceiro.objects.filter(cnpj=cnpj).exists()


@pytest.mark.parametrize(
    ("cnpj", "mensagem"),
    [
        ("11.222.333/0001-81", "não foi encontrado na Receita Federal"),
        (CNPJ_EMPRESA, "não corresponde a nenhum tipo de parceiro do CAGEC"),
        ("11.222.333/0001-82", "CNPJ inválido. Confira os 14 caracteres"),
        ("12.ABC.345/01DE-3A", "CNPJ inválido. Confira os 14 caracteres"),
        ("", "Este campo é obrigatório."),
    ],
)
def test_cnpj_recusado_explica_em_portugues_e_nao_cria_nada(client, rl, cnpj, mensagem):
    client.force_login(rl)
    resposta = client.post("/solicitacoes/nova/", {"cnpj": cnpj})
    assert resposta.status_code == 200
    resumo = _resumo_erros(resposta)
    assert 'href="#id_cnpj"' in resumo and mensagem in resumo, resumo
    assert not Solicitacao.objects.exists()


def test_cnpj_ja_no_cagec_vai_para_a_vinculacao(client, outro_rl, parceiro):
    client.force_login(outro_rl)
    resposta = client.post("/solicitacoes/nova/", {"cnpj": "18.000.001/0001-00"})
    assert resposta.status_code == 302
    assert resposta["Location"] == f"/solicitacoes/nova/vinculacao/{CNPJ_MUNICIPIO}/"
    assert not Solicitacao.objects.exists()
    pagina = _texto(client.get(resposta["Location"]))
    assert parceiro.razao_social in pagina
    assert "esta organização já está no CAGEC" in pagina


@pytest.mark.parametrize("tipo", [T.VINCULACAO_RL, T.INSCRICAO_RI])
def test_vinculacao_inicia_o_pedido_escolhido(client, outro_rl, parceiro, rl, tipo):
    client.force_login(outro_rl)
    resposta = client.post(f"/solicitacoes/nova/vinculacao/{parceiro.cnpj}/", {"tipo": tipo})
    solicitacao = Solicitacao.objects.get(solicitante=outro_rl)
    assert solicitacao.tipo == tipo and solicitacao.parceiro == parceiro
    assert solicitacao.representante_legal == rl  # quem assina, até outro ser indicado
    primeiro = selectors.PASSOS[tipo][0]
    assert resposta["Location"] == f"/solicitacoes/{solicitacao.pk}/{primeiro}/"


def test_vinculacao_com_tipo_forjado_da_404_e_nao_cria_nada(client, outro_rl, parceiro):
    client.force_login(outro_rl)
    for tipo in (T.DOCUMENTOS, T.DADOS, "", "x"):
        resposta = client.post(f"/solicitacoes/nova/vinculacao/{parceiro.cnpj}/", {"tipo": tipo})
        assert resposta.status_code == 404
    assert not Solicitacao.objects.exists()


@pytest.fixture
def inscricao(rl):
    """Rascunho de inscrição do CNPJ alfanumérico (Associação Privada, natureza 399-9)."""
    return services.iniciar_inscricao(CNPJ_ALFANUMERICO, ator=rl)


def _opcoes_do_select(resposta, nome):
    select = re.search(rf'<select[^>]*name="{nome}".*?</select>', resposta.content.decode(), re.S)
    assert select, f"sem <select name={nome}>"
    return {
        valor: unescape(rotulo).strip()
        for valor, rotulo in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select[0])
        if valor
    }


def test_tipo_so_oferece_os_tipos_da_natureza_juridica(client, rl, inscricao):
    client.force_login(rl)
    opcoes = _opcoes_do_select(client.get(f"/solicitacoes/{inscricao.pk}/dados/"), "tipo")
    permitidos = TipoParceiro.objects.filter(naturezas__codigo="3999", ativo=True)
    assert set(opcoes) == {str(t.pk) for t in permitidos}
    assert any(r.startswith("Entidade Privada Sem Fins Lucrativos") for r in opcoes.values())
    assert not any(r.startswith("Município") for r in opcoes.values())


def test_tipo_de_outra_natureza_forjado_no_post_e_recusado(client, rl, inscricao):
    client.force_login(rl)
    municipio = TipoParceiro.objects.get(nome="Município")
    resposta = client.post(f"/solicitacoes/{inscricao.pk}/dados/", {"tipo": municipio.pk})
    assert resposta.status_code == 200
    assert "Escolha um dos tipos da lista." in _resumo_erros(resposta)
    inscricao.refresh_from_db()
    assert "tipo_id" not in inscricao.dados and inscricao.passo == "dados"


def test_dados_validos_salvam_tipo_e_contatos_e_seguem_para_o_representante(client, rl, inscricao):
    client.force_login(rl)
    tipo = TipoParceiro.objects.get(nome="Entidade Privada Sem Fins Lucrativos")
    dados = {
        "tipo": tipo.pk,
        "site": "www.alvorada.org.br",
        "email_institucional": "contato@alvorada.org.br",
        "telefone": "(31) 3915-0000",
    }
    resposta = client.post(f"/solicitacoes/{inscricao.pk}/dados/", dados)
    assert resposta["Location"] == f"/solicitacoes/{inscricao.pk}/representante/"
    inscricao.refresh_from_db()
    assert inscricao.dados["tipo_id"] == tipo.pk
    assert inscricao.dados["contatos"] == {
        "site": "https://www.alvorada.org.br",
        "email_institucional": "contato@alvorada.org.br",
        "telefone": "3139150000",
    }


def _mandato(inicio_em_dias=-30, fim_em_dias=700):
    hoje = timezone.localdate()
    return {
        "mandato_inicio": (hoje + timedelta(days=inicio_em_dias)).strftime("%d/%m/%Y"),
        "mandato_fim": (hoje + timedelta(days=fim_em_dias)).isoformat(),
    }


def test_representante_eu_com_mandato_valido_segue_para_documentos(client, rl, inscricao):
    client.force_login(rl)
    dados = {"quem": "eu", "cpf": "", "cargo": "  Presidente\t da\nAssociação ", **_mandato()}
    resposta = client.post(f"/solicitacoes/{inscricao.pk}/representante/", dados)
    assert resposta["Location"] == f"/solicitacoes/{inscricao.pk}/documentos/"
    inscricao.refresh_from_db()
    assert inscricao.representante_legal == rl
    assert inscricao.dados["representante"]["cargo"] == "Presidente da Associação"


def test_representante_outro_com_conta_ativa_fica_indicado_para_assinar(
    client, rl, outro_usuario, inscricao
):
    client.force_login(rl)
    dados = {"quem": "outro", "cpf": outro_usuario.cpf_formatado, "cargo": "Presidente"}
    resposta = client.post(f"/solicitacoes/{inscricao.pk}/representante/", {**dados, **_mandato()})
    assert resposta.status_code == 302
    assert _recarregar(inscricao).representante_legal == outro_usuario


@pytest.mark.parametrize("conta", ["inexistente", "pendente", "bloqueada"])
def test_representante_outro_sem_conta_ativa_mostra_o_erro_no_cpf(client, rl, inscricao, conta):
    if conta == "inexistente":
        cpf = cpf_aleatorio()
        while Usuario.objects.filter(cpf=cpf).exists():
            cpf = cpf_aleatorio()
    else:
        pessoa = UsuarioFactory(pendente=conta == "pendente")
        if conta == "bloqueada":
            Usuario.objects.filter(pk=pessoa.pk).update(situacao=Usuario.Situacao.BLOQUEADO)
        cpf = pessoa.cpf
    client.force_login(rl)
    dados = {"quem": "outro", "cpf": cpf, "cargo": "Presidente", **_mandato()}
    resposta = client.post(f"/solicitacoes/{inscricao.pk}/representante/", dados)
    assert resposta.status_code == 200
    resumo = _resumo_erros(resposta)
    assert 'href="#id_cpf"' in resumo
    assert "Não há conta ativa com este CPF." in resumo
    inscricao.refresh_from_db()
    assert inscricao.representante_legal is None and "representante" not in inscricao.dados


@pytest.mark.parametrize(
    ("mandato", "mensagem"),
    [
        ({"inicio": 30, "fim": 10}, "O fim do mandato deve ser depois do início."),
        ({"inicio": -900, "fim": -1}, "Este mandato já terminou."),
    ],
    ids=["fim-antes-do-inicio", "mandato-encerrado"],
)
def test_mandato_invalido_e_recusado_no_campo_fim(client, rl, inscricao, mandato, mensagem):
    client.force_login(rl)
    datas = _mandato(mandato["inicio"], mandato["fim"])
    dados = {"quem": "eu", "cargo": "Presidente", **datas}
    resposta = client.post(f"/solicitacoes/{inscricao.pk}/representante/", dados)
    assert resposta.status_code == 200
    resumo = _resumo_erros(resposta)
    assert 'href="#id_mandato_fim"' in resumo and mensagem in resumo, resumo
    inscricao.refresh_from_db()
    assert inscricao.representante_legal is None and inscricao.passo == "dados"


def test_resumo_de_erros_leva_ao_campo_quem(client, rl, inscricao):
    client.force_login(rl)
    dados = {"cargo": "Presidente", **_mandato()}  # sem escolher quem é o representante
    resposta = client.post(f"/solicitacoes/{inscricao.pk}/representante/", dados)
    resumo = _resumo_erros(resposta)
    assert "Quem é o representante legal?: Este campo é obrigatório." in resumo
    alvo = re.search(r'<a href="#([^"]*)">Quem é o representante legal\?', resumo)
    assert alvo and alvo[1], resumo
    assert f'id="{alvo[1]}"' in resposta.content.decode()


# --- Uploads no passo de documentos ------------------------------------------------------------
@pytest.fixture
def atualizacao(rl, parceiro, media_temporaria):
    """Rascunho de atualização de documentos do Município, preparado pelo RL."""
    return services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)


@pytest.fixture
def cliente_rl(client, rl):
    client.force_login(rl)
    return client


def _enviar(cliente, solicitacao, obrigacao, arquivo, follow=False, **datas):
    dados = {"obrigacao": obrigacao.pk, f"o{obrigacao.pk}-arquivo": arquivo}
    dados.update({f"o{obrigacao.pk}-{campo}": valor for campo, valor in datas.items()})
    return cliente.post(f"/solicitacoes/{solicitacao.pk}/documentos/", dados, follow=follow)


def _futuro(dias=180):
    return (timezone.localdate() + timedelta(days=dias)).isoformat()


@pytest.mark.parametrize("csrf", [False, True], ids=["cliente-de-teste", "com-csrf"])
def test_arquivo_de_21_mb_e_recusado_sem_gravar_nada(rl, atualizacao, media_temporaria, csrf):
    """Com CSRF o corpo é lido pelo middleware antes da view (e o handler descarta o arquivo)."""
    cliente = Client(enforce_csrf_checks=csrf)
    cliente.force_login(rl)
    url = f"/solicitacoes/{atualizacao.pk}/documentos/"
    obrigacao = _obrigacao(atualizacao, R.DATA_INFORMADA)
    dados = {
        "obrigacao": obrigacao.pk,
        f"o{obrigacao.pk}-arquivo": _arquivo("certidao.pdf", b"%PDF-1.4\n" + b"0" * (21 * MB)),
        f"o{obrigacao.pk}-data_validade": _futuro(),
    }
    if csrf:
        pagina = cliente.get(url).content.decode()
        dados["csrfmiddlewaretoken"] = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', pagina
        )[1]
    resposta = cliente.post(url, dados, follow=True)
    assert resposta.status_code == 200
    assert "O arquivo tem mais de 20 MB. Reduza-o e envie de novo." in _texto(resposta)
    assert not Documento.objects.exists()
    assert _arquivos_gravados(media_temporaria) == []


def test_arquivo_logo_acima_do_limite_e_descartado_no_recebimento_e_explicado_no_campo(
    cliente_rl, atualizacao, media_temporaria, settings
):
    settings.DOCUMENTO_TAMANHO_MAXIMO = MB  # o mesmo caminho de 20 MB + 1 byte, mais rápido
    obrigacao = _obrigacao(atualizacao)
    arquivo = _arquivo("identidade.pdf", b"%PDF-1.4\n" + b"0" * MB)
    resposta = _enviar(cliente_rl, atualizacao, obrigacao, arquivo)
    assert resposta.status_code == 200
    resumo = _resumo_erros(resposta)
    assert f'href="#id_o{obrigacao.pk}-arquivo"' in resumo
    assert "O arquivo tem mais de 1 MB. Reduza-o e envie de novo." in resumo
    assert not Documento.objects.exists()
    assert _arquivos_gravados(media_temporaria) == []


def test_arquivo_com_exatamente_o_limite_e_aceito(cliente_rl, atualizacao, settings):
    settings.DOCUMENTO_TAMANHO_MAXIMO = MB
    obrigacao = _obrigacao(atualizacao)
    conteudo = b"%PDF-1.4\n" + b"0" * (MB - 9)
    assert len(conteudo) == MB
    resposta = _enviar(cliente_rl, atualizacao, obrigacao, _arquivo("limite.pdf", conteudo))
    assert resposta.status_code == 302
    assert Documento.objects.get().tamanho == MB


@pytest.mark.parametrize(
    ("nome", "conteudo"),
    [
        ("certidao.pdf", b"<!doctype html><script>alert(document.cookie)</script>"),
        ("certidao.pdf", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("certidao.pdf", b"alert(1); // %PDF-1.4"),
        ("foto.png", b"GIF89a\x01\x00\x01\x00"),
        ("foto.jpg", b"\xff\xd8"),  # começo de JPEG incompleto
    ],
    ids=["html", "svg", "js", "gif", "jpeg-truncado"],
)
def test_arquivo_que_nao_e_pdf_png_ou_jpeg_pelo_conteudo_e_recusado(
    cliente_rl, atualizacao, media_temporaria, nome, conteudo
):
    obrigacao = _obrigacao(atualizacao)
    arquivo = _arquivo(nome, conteudo, content_type="application/pdf")
    resposta = _enviar(cliente_rl, atualizacao, obrigacao, arquivo)
    assert resposta.status_code == 200
    resumo = _resumo_erros(resposta)
    assert f'href="#id_o{obrigacao.pk}-arquivo"' in resumo
    assert "Este arquivo não é um PDF, PNG ou JPEG" in resumo
    assert not Documento.objects.exists()
    assert _arquivos_gravados(media_temporaria) == []


@pytest.mark.parametrize(
    "nome",
    ["../../etc/passwd.pdf", "..\\..\\windows\\win.ini.pdf", "/tmp/../../x.pdf", "....//x.pdf"],
)
def test_nome_com_caminho_e_guardado_com_nome_aleatorio_dentro_de_documentos(
    cliente_rl, atualizacao, media_temporaria, nome
):
    obrigacao = _obrigacao(atualizacao)
    conteudo = pdf_pequeno("Nome perigoso")
    resposta = _enviar(cliente_rl, atualizacao, obrigacao, _arquivo(nome, conteudo))
    assert resposta.status_code == 302
    documento = Documento.objects.get()
    assert "/" not in documento.nome_original and "\\" not in documento.nome_original
    assert documento.nome_original.endswith(".pdf") and documento.nome_original != ".pdf"
    pasta = (Path(media_temporaria) / "documentos").resolve()
    guardado = (Path(media_temporaria) / documento.arquivo.name).resolve()
    assert guardado.is_relative_to(pasta)
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", guardado.name)
    assert _arquivos_gravados(media_temporaria) == [Path(media_temporaria) / documento.arquivo.name]
    assert guardado.read_bytes() == conteudo
    assert not (Path(media_temporaria).parent / "etc").exists()


def test_servico_tira_o_caminho_do_nome_mesmo_sem_o_parser_do_django(
    rl, atualizacao, media_temporaria
):
    arquivo = _arquivo("../../etc/passwd.pdf")  # chega ao serviço como veio
    obrigacao = _obrigacao(atualizacao)
    documento = services.anexar_documento(
        atualizacao, ator=rl, obrigacao=obrigacao, arquivo=arquivo
    )
    assert documento.nome_original == "passwd.pdf"
    assert re.fullmatch(r"documentos/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", documento.arquivo.name)


def test_arquivo_vazio_e_recusado(cliente_rl, atualizacao, media_temporaria):
    obrigacao = _obrigacao(atualizacao)
    resposta = _enviar(cliente_rl, atualizacao, obrigacao, _arquivo("vazio.pdf", b""))
    assert resposta.status_code == 200
    resumo = _resumo_erros(resposta)
    assert f'href="#id_o{obrigacao.pk}-arquivo"' in resumo
    assert "O arquivo está vazio." in resumo
    assert not Documento.objects.exists()
    assert _arquivos_gravados(media_temporaria) == []


def test_envio_sem_arquivo_pede_o_arquivo(cliente_rl, atualizacao):
    obrigacao = _obrigacao(atualizacao)
    resposta = cliente_rl.post(
        f"/solicitacoes/{atualizacao.pk}/documentos/", {"obrigacao": obrigacao.pk}
    )
    assert "Escolha o arquivo." in _resumo_erros(resposta)
    assert not Documento.objects.exists()


@pytest.mark.parametrize("obrigacao", ["", "abc", "999999", "99999999999999999999999"])
def test_obrigacao_fora_da_checklist_e_recusada(cliente_rl, atualizacao, obrigacao):
    dados = {"obrigacao": obrigacao, "o1-arquivo": _arquivo()}
    resposta = cliente_rl.post(f"/solicitacoes/{atualizacao.pk}/documentos/", dados, follow=True)
    assert resposta.status_code == 200
    assert "Escolha um item da lista de documentos." in _texto(resposta)
    assert not Documento.objects.exists()


def test_obrigacao_de_outro_tipo_de_parceiro_e_recusada(cliente_rl, atualizacao):
    so_de_associacao = Obrigacao.objects.exclude(tipos=atualizacao.parceiro.tipo).first()
    resposta = _enviar(cliente_rl, atualizacao, so_de_associacao, _arquivo(), follow=True)
    assert "Escolha um item da lista de documentos." in _texto(resposta)
    assert not Documento.objects.exists()


@pytest.mark.parametrize(
    ("regra", "datas", "campo", "mensagem"),
    [
        (R.DATA_INFORMADA, {"data_validade": -1}, "data_validade", "Este documento já venceu."),
        (R.DATA_INFORMADA, {}, "data_validade", "Informe até quando o documento é válido."),
        (R.DIAS_APOS_EMISSAO, {"data_emissao": 1}, "data_emissao", "não pode ser no futuro"),
        (R.DIAS_APOS_EMISSAO, {"data_emissao": -91}, "data_emissao", "vale 90 dias após"),
        (R.DIAS_APOS_EMISSAO, {}, "data_emissao", "Informe a data de emissão"),
    ],
    ids=["validade-vencida", "sem-validade", "emissao-futura", "emissao-vencida", "sem-emissao"],
)
def test_datas_do_documento_conferidas_pela_regra_de_validade(
    cliente_rl, atualizacao, media_temporaria, regra, datas, campo, mensagem
):
    obrigacao = _obrigacao(atualizacao, regra)
    hoje = timezone.localdate()
    valores = {c: (hoje + timedelta(days=d)).strftime("%d/%m/%Y") for c, d in datas.items()}
    resposta = _enviar(cliente_rl, atualizacao, obrigacao, _arquivo(), **valores)
    assert resposta.status_code == 200
    resumo = _resumo_erros(resposta)
    assert f'href="#id_o{obrigacao.pk}-{campo}"' in resumo and mensagem in resumo, resumo
    assert not Documento.objects.exists()
    # Issue #13, item 6: o arquivo de um envio que errou só nas datas fica guardado (sem
    # Documento) para a pessoa não ter de escolhê-lo de novo; nenhum outro arquivo.
    retido = cliente_rl.session[f"arquivo_retido:{atualizacao.pk}:{obrigacao.pk}"][0]
    assert _arquivos_gravados(media_temporaria) == [Path(media_temporaria) / retido]


@pytest.mark.parametrize(
    ("nome", "gerar", "content_type", "extensao"),
    [
        ("foto.png", _png, "image/png", ".png"),
        ("foto.jpeg", _jpeg, "image/jpeg", ".jpg"),
        ("digitalizado.PDF", pdf_pequeno, "application/pdf", ".pdf"),
        ("sem-extensao", _png, "image/png", ".png"),
        ("imagem.pdf", _jpeg, "image/jpeg", ".jpg"),  # o conteúdo decide, não o nome
    ],
)
def test_pdf_png_e_jpeg_sao_aceitos_pelo_conteudo(
    cliente_rl, atualizacao, media_temporaria, nome, gerar, content_type, extensao
):
    obrigacao = _obrigacao(atualizacao, R.DATA_INFORMADA)
    conteudo = gerar()
    arquivo = _arquivo(nome, conteudo, content_type="application/octet-stream")
    validade = _futuro()
    resposta = _enviar(cliente_rl, atualizacao, obrigacao, arquivo, data_validade=validade)
    assert resposta.status_code == 302
    assert resposta["Location"].endswith(f"#obrigacao-{obrigacao.pk}")
    documento = Documento.objects.get()
    assert documento.content_type == content_type
    assert documento.arquivo.name.endswith(extensao)
    assert documento.nome_original == nome
    assert documento.tamanho == len(conteudo)
    assert documento.data_validade == date.fromisoformat(validade)
    assert documento.sha256 == hashlib.sha256(conteudo).hexdigest()


def test_trocar_o_arquivo_substitui_o_anexo_e_apaga_o_antigo_depois_do_commit(
    cliente_rl, atualizacao, media_temporaria, django_capture_on_commit_callbacks
):
    obrigacao = _obrigacao(atualizacao, R.DATA_INFORMADA)
    _enviar(cliente_rl, atualizacao, obrigacao, _arquivo("v1.pdf"), data_validade=_futuro())
    antigo = Path(media_temporaria, Documento.objects.get().arquivo.name)
    with django_capture_on_commit_callbacks(execute=True):
        novo = _arquivo("v2.png", _png())
        _enviar(cliente_rl, atualizacao, obrigacao, novo, data_validade=_futuro())
    documento = Documento.objects.get()
    assert documento.nome_original == "v2.png"
    assert not antigo.exists()
    assert _arquivos_gravados(media_temporaria) == [Path(media_temporaria, documento.arquivo.name)]


@pytest.mark.parametrize("gerar", [pdf_pequeno, _png, _jpeg])
def test_download_devolve_os_bytes_com_o_tipo_guardado_e_cabecalhos_de_protecao(
    cliente_rl, atualizacao, gerar
):
    conteudo = gerar()
    obrigacao = _obrigacao(atualizacao)
    _enviar(cliente_rl, atualizacao, obrigacao, _arquivo("anexo.pdf", conteudo, "text/html"))
    documento = Documento.objects.get()
    resposta = cliente_rl.get(f"/documentos/{documento.pk}/")
    assert resposta.status_code == 200
    assert b"".join(resposta.streaming_content) == conteudo
    assert resposta["Content-Type"] == documento.content_type != "text/html"
    assert resposta["Content-Security-Policy"].startswith("sandbox")
    assert resposta["X-Content-Type-Options"] == "nosniff"
    assert resposta["Cache-Control"] == "private, no-store"
    assert resposta["Content-Disposition"].startswith("inline")

    baixar = cliente_rl.get(f"/documentos/{documento.pk}/?baixar=1")
    # a extensão segue o tipo detectado, não o nome enviado (item 17 da issue #11)
    extensao = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
    esperado = f'attachment; filename="anexo{extensao[documento.content_type]}"'
    assert baixar["Content-Disposition"] == esperado
    assert b"".join(baixar.streaming_content) == conteudo


# --- Assinatura, encaminhamento e linha do tempo ------------------------------------------------
def _linha_do_tempo(resposta):
    lista = re.search(
        r'<ol class="[^"]*linha-do-tempo[^"]*">(.*?)</ol>', resposta.content.decode(), re.S
    )
    assert lista, "página sem linha do tempo"
    itens = re.findall(r"<li[^>]*>(.*?)</li>", lista.group(1), re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", i)).split()) for i in itens]


def test_assinar_pela_view_encaminha_e_a_linha_do_tempo_conta(
    cliente_rl, rl, atualizacao, media_temporaria
):
    obrigacao = _obrigacao(atualizacao, R.DATA_INFORMADA)
    _enviar(cliente_rl, atualizacao, obrigacao, _arquivo("cndt.pdf"), data_validade=_futuro())
    base = f"/solicitacoes/{atualizacao.pk}"

    resposta = cliente_rl.post(f"{base}/revisao/")
    assert resposta["Location"] == f"{base}/assinar/"
    assert _recarregar(atualizacao).status == S.AGUARDANDO_ASSINATURA

    pagina = cliente_rl.get(f"{base}/assinar/")
    texto = _texto(pagina)
    assert "DECLARAÇÃO DE AUTENTICIDADE DOS DOCUMENTOS APRESENTADOS" in texto
    assert Documento.objects.get().sha256 in texto
    assert rl.cpf_formatado not in texto  # o texto leva o CPF mascarado

    errada = cliente_rl.post(f"{base}/assinar/", {"cpf": rl.cpf, "senha": SENHA + "x"})
    assert errada.status_code == 200
    assert "CPF ou senha não conferem com os do representante legal. Nada foi assinado." in (
        _resumo_erros(errada)
    )
    assert not Declaracao.objects.exists()
    assert "Assinar e encaminhar para análise" in _texto(pagina)
    assert "Encaminhar para análise" not in _texto(cliente_rl.get(f"{base}/"))

    certa = cliente_rl.post(f"{base}/assinar/", {"cpf": rl.cpf_formatado, "senha": SENHA})
    assert certa.status_code == 302 and certa["Location"] == f"{base}/"
    declaracao = Declaracao.objects.get()
    assert declaracao.signatario == rl
    atualizacao.refresh_from_db()
    assert atualizacao.status == S.EM_ANALISE and atualizacao.enviada_em is not None

    detalhe = cliente_rl.get(f"{base}/")
    texto = _texto(detalhe)
    assert "Declaração assinada e solicitação encaminhada para análise." in texto
    assert f"Código de verificação {declaracao.codigo_formatado}" in texto
    assert "Ler e assinar a declaração" not in texto
    assert "Aguardando assinatura —" not in texto
    assert "Quem deve agir: A equipe do CAGEC" in texto
    eventos = _linha_do_tempo(detalhe)
    esperados = [
        "Rita Representante criou a solicitação.",
        "Rita Representante mudou de “Rascunho” para “Aguardando assinatura”.",
        "Rita Representante assinou a declaração de autenticidade.",
        "Rita Representante mudou de “Aguardando assinatura” para “Em análise”. "
        "Declaração de autenticidade assinada pelo representante legal; "
        "solicitação enviada para análise.",
    ]
    assert len(eventos) == len(esperados), eventos
    for evento, esperado in zip(eventos, esperados, strict=True):
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2} — " + re.escape(esperado), evento)


def test_endereco_antigo_de_encaminhar_explica_e_volta_ao_detalhe(client, ri, rl, objetos):
    pendente = objetos["pendente"]  # preparada pelo RI, ainda sem assinatura do RL
    client.force_login(ri)
    for metodo in (client.post, client.get):  # favoritos e e-mails antigos: nada de 404
        resposta = metodo(f"/solicitacoes/{pendente.pk}/encaminhar/", follow=True)
        assert resposta.redirect_chain[-1][0] == f"/solicitacoes/{pendente.pk}/"
        assert "a assinatura do representante legal envia a solicitação para análise" in (
            _texto(resposta)
        )
    assert _recarregar(pendente).status == S.AGUARDANDO_ASSINATURA


def test_assinar_de_novo_depois_de_assinada_volta_ao_detalhe(cliente_rl, objetos):
    assinada = objetos["assinada"]
    resposta = cliente_rl.post(
        f"/solicitacoes/{assinada.pk}/assinar/",
        {"cpf": objetos["declaracao"].signatario_cpf, "senha": SENHA},
    )
    assert resposta["Location"] == f"/solicitacoes/{assinada.pk}/"
    assert Declaracao.objects.filter(solicitacao=assinada).count() == 1


def test_cpf_de_outra_pessoa_com_a_senha_dela_nao_assina(client, rl, ri, objetos):
    pendente = objetos["pendente"]
    client.force_login(rl)
    resposta = client.post(f"/solicitacoes/{pendente.pk}/assinar/", {"cpf": ri.cpf, "senha": SENHA})
    assert resposta.status_code == 200
    assert "Nada foi assinado." in _resumo_erros(resposta)
    assert not Declaracao.objects.filter(solicitacao=pendente).exists()


# --- Responsáveis pelas Informações -------------------------------------------------------------
def test_rl_inclui_ri_por_cpf_e_remove_e_o_ri_perde_a_pasta_digital(
    client, rl, parceiro, outro_usuario
):
    client.force_login(rl)
    url = f"/parceiros/{parceiro.cnpj}/responsaveis/"
    resposta = client.post(url, {"cpf": outro_usuario.cpf_formatado, "cargo": "Contador"})
    assert resposta["Location"] == url
    vinculo = Vinculo.objects.get(parceiro=parceiro, usuario=outro_usuario, ativo=True)
    assert (vinculo.papel, vinculo.cargo, vinculo.criado_por) == (Vinculo.Papel.RI, "Contador", rl)
    assert EmailSaida.objects.filter(destinatario=outro_usuario.email).exists()
    pagina = _texto(client.get(url))
    protegido = selectors.nome_protegido(outro_usuario)  # até confirmar (issue #11)
    assert f"{protegido} agora é responsável pelas informações" in pagina
    assert outro_usuario.nome not in pagina

    ri = Client()
    ri.force_login(outro_usuario)
    assert ri.get(f"/parceiros/{parceiro.cnpj}/").status_code == 200

    resposta = client.post(f"{url}{vinculo.pk}/remover/")
    assert resposta["Location"] == url
    vinculo.refresh_from_db()
    assert not vinculo.ativo and vinculo.encerrado_por == rl
    assert "Encerrado em" in _texto(client.get(url))
    assert ri.get(f"/parceiros/{parceiro.cnpj}/").status_code == 404
    assert ri.get(f"/parceiros/{parceiro.cnpj}/responsaveis/").status_code == 404


@pytest.mark.parametrize("conta", ["inexistente", "pendente", "bloqueada", "invalido"])
def test_incluir_ri_exige_conta_ativa(client, rl, parceiro, conta):
    if conta == "inexistente":
        cpf = "529.982.247-25"
    elif conta == "invalido":
        cpf = "529.982.247-26"
    else:
        pessoa = UsuarioFactory(pendente=conta == "pendente")
        if conta == "bloqueada":
            Usuario.objects.filter(pk=pessoa.pk).update(situacao=Usuario.Situacao.BLOQUEADO)
        cpf = pessoa.cpf
    client.force_login(rl)
    resposta = client.post(f"/parceiros/{parceiro.cnpj}/responsaveis/", {"cpf": cpf})
    assert resposta.status_code == 200
    resumo = _resumo_erros(resposta)
    assert 'href="#id_cpf"' in resumo
    esperado = "CPF inválido." if conta == "invalido" else "Não há conta ativa com este CPF."
    assert esperado in resumo
    assert not Vinculo.objects.filter(parceiro=parceiro, papel=Vinculo.Papel.RI).exists()


def test_incluir_o_proprio_rl_ou_ri_repetido_explica_e_nao_duplica(client, rl, ri, parceiro):
    client.force_login(rl)
    url = f"/parceiros/{parceiro.cnpj}/responsaveis/"
    proprio = client.post(url, {"cpf": rl.cpf})
    assert "Você já é o representante legal desta organização." in _resumo_erros(proprio)
    repetido = client.post(url, {"cpf": ri.cpf})
    assert "Esta pessoa já é responsável por esta organização." in _resumo_erros(repetido)
    assert Vinculo.objects.filter(parceiro=parceiro, usuario=ri).count() == 1
    assert Vinculo.objects.filter(parceiro=parceiro, usuario=rl).count() == 1


def test_rl_de_outro_parceiro_nao_remove_ri_daqui_pela_propria_url(client, outro_rl, ri, parceiro):
    """O vínculo tem de ser do Parceiro da URL: a URL do próprio Parceiro não serve de atalho."""
    vinculo = Vinculo.objects.get(parceiro=parceiro, usuario=ri)
    client.force_login(outro_rl)
    resposta = client.post(f"/parceiros/{CNPJ_ASSOCIACAO}/responsaveis/{vinculo.pk}/remover/")
    assert resposta.status_code == 404
    assert _recarregar(vinculo).ativo


# --- Painel ---------------------------------------------------------------------------------
def test_painel_mostra_organizacoes_solicitacoes_com_proximo_passo_e_aviso_de_assinatura(
    client, rl, ri, parceiro, media_temporaria
):
    rascunho = services.iniciar_atualizacao(parceiro, T.DADOS, ator=rl)
    pendente, _ = _atualizacao_enviada(parceiro, ri)
    client.force_login(rl)
    pagina = client.get("/painel/")
    texto = _texto(pagina)
    assert f"{parceiro.razao_social} {parceiro.cnpj_formatado} · Representante Legal" in texto
    assert f"Atualização de dados nº {rascunho.pk}" in texto
    assert (
        "Rascunho Próximo passo: Continuar o preenchimento e enviar para assinatura do "
        "representante legal. Quem deve agir: Você." in texto
    )
    # a que espera a minha assinatura também está na lista, com quem age e o botão
    assert f"Atualização de documentos nº {pendente.pk}" in texto
    assert f'href="/solicitacoes/{pendente.pk}/assinar/"' in pagina.content.decode()
    assert "1 solicitação espera a sua assinatura." in texto
    assert 'href="/assinaturas/"' in pagina.content.decode()

    assinaturas = _texto(client.get("/assinaturas/"))
    assert f"Atualização de documentos nº {pendente.pk}" in assinaturas
    assert f"Preparada por {ri.nome}" in assinaturas

    client.force_login(ri)
    texto = _texto(client.get("/painel/"))
    assert "Responsável pelas Informações" in texto
    assert f"Atualização de documentos nº {pendente.pk}" in texto
    assert f"Quem deve agir: O representante legal, {rl.nome}." in texto
    assert "espera a sua assinatura" not in texto


def test_painel_sem_vinculos_convida_a_inscrever(client, usuario):
    client.force_login(usuario)
    texto = _texto(client.get("/painel/"))
    assert "Você ainda não está vinculado a nenhuma organização." in texto
    assert "Nenhuma solicitação ainda." in texto
    assert "espera a sua assinatura" not in texto


# --- Número de consultas independente do volume ---------------------------------------------
def _consultas(cliente, url):
    cliente.get(url)  # aquece a sessão e o cache do termo
    with CaptureQueriesContext(connection) as consultas:
        resposta = cliente.get(url)
    assert resposta.status_code == 200
    return len(consultas)


def _mais_volume(parceiro, rl, ri, n):
    """``n`` atualizações de documentos (com anexo) esperando o RL, metade preparada pelo RI."""
    for i in range(n):
        _atualizacao_enviada(parceiro, rl if i % 2 else ri)


@pytest.fixture
def volume(client, rl, ri, parceiro, media_temporaria):
    """Conta as consultas de uma página com 1 item e depois com 10 vezes mais."""

    def medir(url):
        _mais_volume(parceiro, rl, ri, 2)
        client.force_login(rl)
        com_1 = _consultas(client, url)
        _mais_volume(parceiro, rl, ri, 18)
        for cnpj in ("18000002000146", "18000003000190"):
            parceiro_com_rl(rl, cnpj=cnpj)
        assert Documento.objects.filter(parceiro=parceiro).count() == 20
        return com_1, _consultas(client, url)

    return medir


def test_painel_usa_as_mesmas_consultas_para_1_ou_10_itens_e_no_maximo_8(volume):
    com_1, com_10 = volume("/painel/")
    assert com_10 == com_1
    assert com_10 <= 8  # metas.md: páginas logadas ≤ 8 consultas


def test_pasta_digital_usa_as_mesmas_consultas_para_1_ou_10_itens(volume, parceiro):
    com_1, com_10 = volume(f"/parceiros/{parceiro.cnpj}/")
    assert com_10 == com_1


def test_pasta_digital_cabe_em_8_consultas(client, rl, ri, parceiro, media_temporaria):
    _mais_volume(parceiro, rl, ri, 2)
    client.force_login(rl)
    assert _consultas(client, f"/parceiros/{parceiro.cnpj}/") <= 8
