"""Provedor de dados do CNPJ (parceiros.receita) e a recusa em português (parceiros.services).

* Offline: o arquivo ``parceiros/dados/receita_offline.json`` (o padrão dos testes).
* HTTP: API no formato BrasilAPI, simulada com ``responses`` (nenhuma requisição sai da
  máquina: uma URL não registrada vira erro de conexão). As pausas entre tentativas, que o
  ``responses`` não reproduz, são vistas com um servidor HTTP local de verdade.
"""

import http.server
import threading
import time
from datetime import date

import pytest
import requests
import responses
import urllib3.util.retry

from cagec.core.models import RegistroAuditoria
from parceiros import receita, services
from parceiros.models import NaturezaJuridica, Solicitacao, TransicaoSolicitacao
from tests.factories import (
    CNPJ_ALFANUMERICO,
    CNPJ_BAIXADO,
    CNPJ_EMPRESA,
    CNPJ_LIVRE,
    CNPJ_MUNICIPIO,
)

URL_BASE = "https://receita.exemplo.invalid/api"
CNPJ_INAPTO = "07000007000152"
CNPJ_SUSPENSO = "07000008000105"
CNPJ_NULO = "07000009000141"
CNPJ_DESCONHECIDO = "11222333000181"  # válido, mas fora do arquivo offline


def url_de(cnpj):
    return f"{URL_BASE}/cnpj/v1/{cnpj}"


def brasilapi(**mudancas):
    """Resposta no formato da BrasilAPI (``GET /cnpj/v1/<cnpj>``) de uma associação ativa."""
    corpo = {
        "cnpj": CNPJ_LIVRE,
        "razao_social": "INSTITUTO CULTURAL VALE VERDE",
        "nome_fantasia": "VALE VERDE",
        "codigo_natureza_juridica": 3999,
        "natureza_juridica": "Associação Privada",
        "situacao_cadastral": 2,
        "descricao_situacao_cadastral": "ATIVA",
        "data_inicio_atividade": "2004-08-17",
        "cnae_fiscal": 9493600,
        "cnae_fiscal_descricao": "Atividades de organizações associativas ligadas à cultura",
        "descricao_tipo_de_logradouro": "AVENIDA",
        "logradouro": "DOS ANDRADAS",
        "numero": "1200",
        "complemento": "SALA 3",
        "bairro": "CENTRO",
        "cep": "30120-010",
        "municipio": "BELO HORIZONTE",
        "uf": "mg",
        "email": "Contato@ValeVerde.org.br",
        "ddd_telefone_1": "3132221100",
        "qsa": [],
    }
    corpo.update(mudancas)
    return corpo


@pytest.fixture
def receita_http(settings):
    """Provedor HTTP apontado para uma API simulada; devolve o ``RequestsMock``."""
    settings.RECEITA_PROVEDOR = "http"
    settings.RECEITA_URL_BASE = URL_BASE
    settings.RECEITA_TEMPO_LIMITE = 3.5
    settings.RECEITA_TENTATIVAS = 2
    with responses.RequestsMock(assert_all_requests_are_fired=False) as simulada:
        yield simulada


# --- Provedor offline ------------------------------------------------------------------------


def test_offline_e_o_provedor_padrao_dos_testes(settings):
    assert settings.RECEITA_PROVEDOR == "offline"
    assert isinstance(receita.provedor(), receita.ProvedorOffline)


def test_offline_cnpj_numerico_ativo_traz_todos_os_campos():
    registro = receita.consultar_cnpj(CNPJ_MUNICIPIO)
    assert registro.cnpj == CNPJ_MUNICIPIO
    assert registro.razao_social == "MUNICIPIO DE SAO JOSE DAS ALMAS"
    assert registro.nome_fantasia == "PREFEITURA MUNICIPAL DE SAO JOSE DAS ALMAS"
    assert registro.natureza_juridica_codigo == "1244"
    assert registro.natureza_juridica_descricao == "Município"
    assert registro.situacao_cadastral == "ATIVA"
    assert registro.ativa is True
    assert registro.data_abertura == date(1962, 12, 30)
    assert registro.cnae_principal == "8411600 — Administração pública em geral"
    assert registro.logradouro == "PRACA DA MATRIZ"
    assert (registro.numero, registro.complemento, registro.bairro) == ("100", "", "CENTRO")
    assert (registro.cep, registro.municipio, registro.uf) == (
        "35400000",
        "SAO JOSE DAS ALMAS",
        "MG",
    )
    assert registro.email == "gabinete@saojosedasalmas.mg.gov.br"
    assert registro.telefone == "3135591000"
    assert registro.bruto["cnpj"] == CNPJ_MUNICIPIO


def test_offline_cnpj_alfanumerico_ativo_e_encontrado():
    registro = receita.consultar_cnpj(CNPJ_ALFANUMERICO)
    assert registro.cnpj == "12ABC34501DE35"
    assert registro.razao_social == "ASSOCIACAO DOS MORADORES DO BAIRRO ALVORADA"
    assert registro.natureza_juridica_codigo == "3999"
    assert registro.ativa is True


@pytest.mark.parametrize(
    ("digitado", "cnpj"),
    [
        ("18.000.001/0001-00", CNPJ_MUNICIPIO),
        (" 18 000 001 0001 00 ", CNPJ_MUNICIPIO),
        ("12.ABC.345/01DE-35", CNPJ_ALFANUMERICO),
        ("12.abc.345/01de-35", CNPJ_ALFANUMERICO),
    ],
)
def test_consultar_cnpj_aceita_o_cnpj_com_pontuacao_e_minusculas(digitado, cnpj):
    assert receita.consultar_cnpj(digitado).cnpj == cnpj


@pytest.mark.parametrize(
    ("cnpj", "situacao"),
    [
        (CNPJ_BAIXADO, "BAIXADA"),
        (CNPJ_INAPTO, "INAPTA"),
        (CNPJ_SUSPENSO, "SUSPENSA"),
        (CNPJ_NULO, "NULA"),
    ],
)
def test_offline_cnpj_baixado_inapto_suspenso_ou_nulo_nao_esta_ativo(cnpj, situacao):
    registro = receita.consultar_cnpj(cnpj)
    assert registro.situacao_cadastral == situacao
    assert registro.ativa is False


@pytest.mark.parametrize("cnpj", [CNPJ_DESCONHECIDO, "AB000000000191"])
def test_offline_cnpj_fora_do_arquivo_nao_e_encontrado(cnpj):
    with pytest.raises(receita.CNPJNaoEncontrado):
        receita.consultar_cnpj(cnpj)


def test_como_dict_guarda_a_data_em_iso_e_deixa_de_fora_a_resposta_bruta():
    dados = receita.consultar_cnpj(CNPJ_MUNICIPIO).como_dict()
    assert dados["data_abertura"] == "1962-12-30"
    assert "bruto" not in dados
    assert dados["cnpj"] == CNPJ_MUNICIPIO and dados["natureza_juridica_codigo"] == "1244"


# --- Provedor HTTP ---------------------------------------------------------------------------


def test_http_resposta_200_no_formato_brasilapi_vira_registro(receita_http):
    receita_http.get(url_de(CNPJ_LIVRE), json=brasilapi())
    registro = receita.consultar_cnpj(CNPJ_LIVRE)
    assert registro == receita.RegistroReceita(
        cnpj=CNPJ_LIVRE,
        razao_social="INSTITUTO CULTURAL VALE VERDE",
        nome_fantasia="VALE VERDE",
        natureza_juridica_codigo="3999",
        natureza_juridica_descricao="Associação Privada",
        situacao_cadastral="ATIVA",
        data_abertura=date(2004, 8, 17),
        cnae_principal="9493600 — Atividades de organizações associativas ligadas à cultura",
        logradouro="AVENIDA DOS ANDRADAS",
        numero="1200",
        complemento="SALA 3",
        bairro="CENTRO",
        cep="30120010",
        municipio="BELO HORIZONTE",
        uf="MG",
        email="contato@valeverde.org.br",
        telefone="3132221100",
    )
    assert registro.ativa is True
    assert registro.bruto == brasilapi()


def test_http_pede_a_url_base_cnpj_v1_com_os_14_caracteres_e_o_tempo_limite(receita_http):
    receita_http.get(url_de(CNPJ_ALFANUMERICO), json=brasilapi(cnpj=CNPJ_ALFANUMERICO))
    registro = receita.consultar_cnpj("12.abc.345/01de-35")
    assert registro.cnpj == CNPJ_ALFANUMERICO
    assert len(receita_http.calls) == 1
    pedido = receita_http.calls[0].request
    assert pedido.method == "GET"
    assert pedido.url == "https://receita.exemplo.invalid/api/cnpj/v1/12ABC34501DE35"
    assert pedido.headers["Accept"] == "application/json"
    assert pedido.req_kwargs["timeout"] == 3.5


def test_http_campos_opcionais_nulos_ou_ausentes_ficam_vazios(receita_http):
    corpo = brasilapi(
        codigo_natureza_juridica=1015,
        nome_fantasia=None,
        complemento=None,
        email=None,
        data_inicio_atividade=None,
        descricao_tipo_de_logradouro=None,
        cnae_fiscal_descricao=None,
    )
    del corpo["ddd_telefone_1"], corpo["bairro"]
    receita_http.get(url_de(CNPJ_LIVRE), json=corpo)
    registro = receita.consultar_cnpj(CNPJ_LIVRE)
    assert registro.natureza_juridica_codigo == "1015"
    assert (registro.nome_fantasia, registro.complemento, registro.email) == ("", "", "")
    assert (registro.telefone, registro.bairro, registro.data_abertura) == ("", "", None)
    assert registro.logradouro == "DOS ANDRADAS"
    assert registro.cnae_principal == "9493600"


def test_http_natureza_com_tres_digitos_e_completada_com_zero_a_esquerda(receita_http):
    receita_http.get(url_de(CNPJ_LIVRE), json=brasilapi(codigo_natureza_juridica="999"))
    assert receita.consultar_cnpj(CNPJ_LIVRE).natureza_juridica_codigo == "0999"


@pytest.mark.parametrize("situacao", ["BAIXADA", "Inapta", "suspensa", "NULA"])
def test_http_situacao_inativa_em_qualquer_caixa_nao_esta_ativa(receita_http, situacao):
    receita_http.get(url_de(CNPJ_LIVRE), json=brasilapi(descricao_situacao_cadastral=situacao))
    registro = receita.consultar_cnpj(CNPJ_LIVRE)
    assert registro.situacao_cadastral == situacao.upper()
    assert registro.ativa is False


def test_http_404_e_cnpj_nao_encontrado_sem_nova_tentativa(receita_http):
    receita_http.get(
        url_de(CNPJ_DESCONHECIDO),
        status=404,
        json={"message": "CNPJ 11222333000181 não encontrado.", "type": "not_found"},
    )
    with pytest.raises(receita.CNPJNaoEncontrado):
        receita.consultar_cnpj(CNPJ_DESCONHECIDO)
    assert len(receita_http.calls) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_http_erro_temporario_e_repetido_e_depois_vira_receita_indisponivel(receita_http, status):
    receita_http.get(url_de(CNPJ_LIVRE), status=status, json={"message": "fora do ar"})
    with pytest.raises(receita.ReceitaIndisponivel):
        receita.consultar_cnpj(CNPJ_LIVRE)
    assert len(receita_http.calls) > 1
    assert all(c.request.url == url_de(CNPJ_LIVRE) for c in receita_http.calls)


@pytest.mark.parametrize("tentativas", [1, 2, 3])
def test_http_erro_500_faz_exatamente_receita_tentativas_requisicoes(
    receita_http, settings, tentativas
):
    settings.RECEITA_TENTATIVAS = tentativas
    receita_http.get(url_de(CNPJ_LIVRE), status=500)
    with pytest.raises(receita.ReceitaIndisponivel):
        receita.consultar_cnpj(CNPJ_LIVRE)
    assert len(receita_http.calls) == tentativas


def test_http_erro_503_seguido_de_sucesso_devolve_o_registro(receita_http):
    receita_http.get(url_de(CNPJ_LIVRE), status=503)
    receita_http.get(url_de(CNPJ_LIVRE), json=brasilapi())
    assert receita.consultar_cnpj(CNPJ_LIVRE).razao_social == "INSTITUTO CULTURAL VALE VERDE"
    assert [c.response.status_code for c in receita_http.calls] == [503, 200]


@pytest.mark.parametrize("status", [400, 401, 403, 301])
def test_http_outros_status_viram_receita_indisponivel(receita_http, status):
    receita_http.get(url_de(CNPJ_LIVRE), status=status, json={"message": "não"})
    with pytest.raises(receita.ReceitaIndisponivel):
        receita.consultar_cnpj(CNPJ_LIVRE)


@pytest.mark.parametrize(
    "falha",
    [
        requests.ConnectionError("Connection refused"),
        requests.ConnectTimeout("connect timeout"),
        requests.ReadTimeout("read timeout"),
        requests.exceptions.SSLError("certificate verify failed"),
    ],
)
def test_http_falha_de_conexao_ou_tempo_esgotado_vira_receita_indisponivel(receita_http, falha):
    receita_http.get(url_de(CNPJ_LIVRE), body=falha)
    with pytest.raises(receita.ReceitaIndisponivel):
        receita.consultar_cnpj(CNPJ_LIVRE)


@pytest.mark.parametrize(
    "corpo",
    [
        "<html><body>502 Bad Gateway</body></html>",
        "",
        '{"cnpj": "07000002000120", "razao_social": ',  # JSON cortado
    ],
)
def test_http_resposta_200_que_nao_e_json_vira_receita_indisponivel(receita_http, corpo):
    receita_http.get(url_de(CNPJ_LIVRE), body=corpo, content_type="text/html")
    with pytest.raises(receita.ReceitaIndisponivel):
        receita.consultar_cnpj(CNPJ_LIVRE)


@pytest.mark.parametrize(
    "corpo",
    [
        {k: v for k, v in brasilapi().items() if k != "razao_social"},
        brasilapi(razao_social=""),
        brasilapi(razao_social=None),
        {k: v for k, v in brasilapi().items() if k != "cnpj"},
        {k: v for k, v in brasilapi().items() if k != "codigo_natureza_juridica"},
        [],
        None,
        "ok",
        {"message": "limite de requisições"},
    ],
    ids=[
        "sem-razao-social",
        "razao-social-vazia",
        "razao-social-nula",
        "sem-cnpj",
        "sem-natureza",
        "lista",
        "null",
        "texto",
        "mensagem",
    ],
)
def test_http_json_sem_campo_essencial_vira_receita_indisponivel(receita_http, corpo):
    """Natureza "206-2" (com hífen) é aceita como 2062; ver o teste logo abaixo."""
    receita_http.get(url_de(CNPJ_LIVRE), json=corpo)
    with pytest.raises(receita.ReceitaIndisponivel):
        receita.consultar_cnpj(CNPJ_LIVRE)


@pytest.mark.parametrize("natureza", [None, ""], ids=["nula", "vazia"])
def test_http_natureza_juridica_nula_ou_vazia_vira_receita_indisponivel(receita_http, natureza):
    receita_http.get(url_de(CNPJ_LIVRE), json=brasilapi(codigo_natureza_juridica=natureza))
    with pytest.raises(receita.ReceitaIndisponivel):
        receita.consultar_cnpj(CNPJ_LIVRE)


def test_http_natureza_com_hifen_e_lida_sem_o_hifen(receita_http):
    receita_http.get(url_de(CNPJ_LIVRE), json=brasilapi(codigo_natureza_juridica="206-2"))
    assert receita.consultar_cnpj(CNPJ_LIVRE).natureza_juridica_codigo == "2062"


# --- Provedor HTTP contra um servidor local de verdade (repetições do urllib3) ---------------


class _Servidor503(http.server.BaseHTTPRequestHandler):
    retry_after = None
    pedidos = None

    def do_GET(self):
        self.pedidos.append(self.path)
        self.send_response(503)
        if self.retry_after is not None:
            self.send_header("Retry-After", str(self.retry_after))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def servidor_503(settings, monkeypatch):
    """API local que sempre responde 503; ``.retry_after`` liga o cabeçalho Retry-After."""
    for variavel in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(variavel, "127.0.0.1,localhost")
    handler = type("Handler", (_Servidor503,), {"pedidos": []})
    servidor = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    linha = threading.Thread(target=servidor.serve_forever, daemon=True)
    linha.start()
    settings.RECEITA_PROVEDOR = "http"
    settings.RECEITA_URL_BASE = f"http://127.0.0.1:{servidor.server_address[1]}/api"
    settings.RECEITA_TEMPO_LIMITE = 5.0
    settings.RECEITA_TENTATIVAS = 2
    try:
        yield handler
    finally:
        servidor.shutdown()
        servidor.server_close()
        linha.join(timeout=5)


@pytest.fixture
def esperas(monkeypatch):
    """As pausas do urllib3 entre tentativas, anotadas em vez de dormidas."""
    anotadas = []
    assert urllib3.util.retry.time is time
    monkeypatch.setattr(time, "sleep", anotadas.append)
    return anotadas


def test_http_real_503_e_repetido_com_pausa_curta_e_vira_receita_indisponivel(
    servidor_503, esperas, settings
):
    with pytest.raises(receita.ReceitaIndisponivel):
        receita.consultar_cnpj(CNPJ_LIVRE)
    assert len(servidor_503.pedidos) > 1
    assert set(servidor_503.pedidos) == {f"/api/cnpj/v1/{CNPJ_LIVRE}"}
    assert sum(esperas) <= settings.RECEITA_TEMPO_LIMITE


def test_http_503_com_retry_after_longo_nao_prende_a_consulta(servidor_503, esperas, settings):
    servidor_503.retry_after = 600
    with pytest.raises(receita.ReceitaIndisponivel):
        receita.consultar_cnpj(CNPJ_LIVRE)
    assert sum(esperas) <= settings.RECEITA_TEMPO_LIMITE * settings.RECEITA_TENTATIVAS


# --- Serviço: dados_da_receita e iniciar_inscricao -------------------------------------------


def recusa(cnpj):
    with pytest.raises(services.CNPJRecusado) as erro:
        services.dados_da_receita(cnpj)
    return erro.value


@pytest.mark.django_db
def test_servico_aceita_cnpj_ativo_com_natureza_de_algum_tipo():
    registro = services.dados_da_receita("07.000.002/0001-20")
    assert registro.cnpj == CNPJ_LIVRE and registro.ativa


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cnpj", "palavra"),
    [
        (CNPJ_BAIXADO, "baixada"),
        (CNPJ_INAPTO, "inapta"),
        (CNPJ_SUSPENSO, "suspensa"),
        (CNPJ_NULO, "nula"),
    ],
)
def test_servico_recusa_cnpj_inativo_dizendo_a_situacao(cnpj, palavra):
    erro = recusa(cnpj)
    assert erro.code == "inativo"
    (mensagem,) = erro.messages
    assert f"como {palavra}" in mensagem
    assert "CNPJ ativo" in mensagem


@pytest.mark.django_db
def test_servico_recusa_cnpj_desconhecido_pedindo_para_conferir():
    erro = recusa(CNPJ_DESCONHECIDO)
    assert erro.code == "nao_encontrado"
    assert erro.messages == ["Este CNPJ não foi encontrado na Receita Federal. Confira os números."]


@pytest.mark.django_db
def test_servico_recusa_natureza_sem_tipo_de_parceiro_mostrando_a_natureza():
    erro = recusa(CNPJ_EMPRESA)
    assert erro.code == "natureza"
    (mensagem,) = erro.messages
    assert "206-2 — Sociedade Empresária Limitada" in mensagem
    assert "não corresponde a nenhum tipo de parceiro" in mensagem


@pytest.mark.django_db
@pytest.mark.parametrize(
    "resposta",
    [
        {"status": 503},
        {"status": 500},
        {"body": requests.ConnectTimeout("connect timeout")},
        {"body": "<html>manutenção</html>", "content_type": "text/html"},
        {"json": {"cnpj": CNPJ_LIVRE}},
    ],
    ids=["503", "500", "timeout", "html", "json-incompleto"],
)
def test_servico_com_receita_fora_do_ar_diz_que_nada_foi_salvo(receita_http, resposta):
    receita_http.get(url_de(CNPJ_LIVRE), **resposta)
    erro = recusa(CNPJ_LIVRE)
    assert erro.code == "indisponivel"
    (mensagem,) = erro.messages
    assert "Não foi possível consultar a Receita Federal agora" in mensagem
    assert "Nada foi salvo" in mensagem


@pytest.mark.django_db
def test_servico_com_natureza_nula_na_resposta_nao_inventa_natureza_000_0(receita_http):
    receita_http.get(url_de(CNPJ_LIVRE), json=brasilapi(codigo_natureza_juridica=None))
    naturezas = NaturezaJuridica.objects.count()
    erro = recusa(CNPJ_LIVRE)
    assert NaturezaJuridica.objects.count() == naturezas
    assert not NaturezaJuridica.objects.filter(codigo="0000").exists()
    assert erro.code == "indisponivel"


@pytest.mark.django_db
def test_servico_nao_aceita_cnpj_cuja_resposta_nao_traz_a_situacao(receita_http):
    corpo = brasilapi(situacao_cadastral=8)  # 8 = baixada, só o código
    del corpo["descricao_situacao_cadastral"]
    receita_http.get(url_de(CNPJ_LIVRE), json=corpo)
    recusa(CNPJ_LIVRE)


def _contagens():
    return (
        Solicitacao.objects.count(),
        TransicaoSolicitacao.objects.count(),
        RegistroAuditoria.objects.count(),
        NaturezaJuridica.objects.count(),
    )


@pytest.mark.django_db
def test_inscricao_com_receita_no_ar_cria_o_rascunho_com_os_dados_da_receita(receita_http, usuario):
    """Controle do teste seguinte: a mesma chamada, com a Receita respondendo, grava."""
    receita_http.get(url_de(CNPJ_LIVRE), json=brasilapi())
    antes = _contagens()
    solicitacao = services.iniciar_inscricao("07.000.002/0001-20", ator=usuario)
    assert solicitacao.cnpj == CNPJ_LIVRE
    assert solicitacao.status == Solicitacao.Status.RASCUNHO
    assert solicitacao.dados["receita"]["razao_social"] == "INSTITUTO CULTURAL VALE VERDE"
    depois = _contagens()
    assert depois[0] == antes[0] + 1 and depois[2] > antes[2]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "resposta",
    [{"status": 503}, {"body": requests.ConnectionError("Connection refused")}],
    ids=["503", "sem-conexao"],
)
def test_inscricao_com_receita_fora_do_ar_nao_salva_nada(receita_http, usuario, resposta):
    receita_http.get(url_de(CNPJ_LIVRE), **resposta)
    antes = _contagens()
    with pytest.raises(services.CNPJRecusado) as erro:
        services.iniciar_inscricao(CNPJ_LIVRE, ator=usuario)
    assert erro.value.code == "indisponivel"
    assert "Nada foi salvo" in erro.value.messages[0]
    assert _contagens() == antes
    assert not Solicitacao.objects.filter(cnpj=CNPJ_LIVRE).exists()
    assert len(receita_http.calls) >= 1  # a Receita foi de fato consultada


@pytest.mark.django_db
@pytest.mark.parametrize("cnpj", [CNPJ_BAIXADO, CNPJ_DESCONHECIDO, CNPJ_EMPRESA])
def test_inscricao_de_cnpj_recusado_nao_salva_nada(usuario, cnpj):
    antes = _contagens()
    with pytest.raises(services.CNPJRecusado):
        services.iniciar_inscricao(cnpj, ator=usuario)
    assert _contagens() == antes
