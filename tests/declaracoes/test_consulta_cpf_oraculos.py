"""Issue #11, item 2: nada de oráculo público de CPF na consulta.

A máscara do governo (``***.456.789-**``) nas páginas de verificação mostra 6 dos 11
dígitos; um filtro exato por CPF aberto a anônimos revelaria o resto em até mil tentativas.
A busca pelo CPF do representante legal é só logado, por POST (nunca na URL), com cota
diária por conta e cada busca auditada com o CPF mascarado.
"""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from cagec.core.models import RegistroAuditoria
from cagec.lib.documentos import formatar_cpf

from ..factories import CNPJ_ASSOCIACAO, UsuarioFactory, parceiro_com_rl

pytestmark = pytest.mark.django_db
AVISO = "A busca pelo CPF do representante legal não é feita na consulta pública"


@pytest.fixture
def dois_parceiros(rl, parceiro):
    """``rl`` representa dois Parceiros: o Município e a Associação."""
    return [parceiro, parceiro_com_rl(rl, cnpj=CNPJ_ASSOCIACAO, cargo="Presidente")]


def _cnpjs(resposta):
    return re.findall(r"/consulta/([0-9A-Z]{14})/crc/", resposta.content.decode())


def _texto(resposta):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", resposta.content.decode())).split())


# --- Anônimo: ?cpf= não filtra em lugar nenhum ---------------------------------------------------
@pytest.mark.parametrize(
    "endereco", ["/consulta/", "/consulta/exportar.xlsx", "/consulta/exportar.pdf"]
)
def test_anonimo_com_cpf_na_url_nao_filtra_e_volta_sem_o_cpf_com_aviso(
    client, dois_parceiros, rl, endereco
):
    resposta = client.get(endereco, {"cpf": rl.cpf, "situacao": "regular"})
    assert resposta.status_code == 302
    destino = urlsplit(resposta["Location"])
    assert destino.path == "/consulta/"
    assert parse_qs(destino.query) == {"situacao": ["regular"]}  # os outros filtros ficam
    pagina = client.get(resposta["Location"])
    assert AVISO in _texto(pagina)
    assert "/consulta/cpf/" in pagina.content.decode()  # aponta para a busca logada


@pytest.mark.parametrize("endereco", ["/consulta/", "/consulta/exportar.xlsx"])
def test_cpf_sozinho_na_url_nunca_devolve_as_organizacoes_do_rl(
    client, dois_parceiros, rl, endereco
):
    """O ataque: uma requisição por candidato. Nenhuma resposta distingue o CPF certo."""
    certo = client.get(endereco, {"cpf": rl.cpf}, follow=True)
    errado = client.get(endereco, {"cpf": UsuarioFactory().cpf}, follow=True)
    assert _cnpjs(certo) == [] and _cnpjs(errado) == []
    assert certo.redirect_chain == [("/consulta/", 302)] == errado.redirect_chain
    assert _texto(certo) == _texto(errado)


def test_a_consulta_publica_nao_tem_mais_o_campo_cpf(client, dois_parceiros):
    html = client.get("/consulta/").content.decode()
    assert 'name="cpf"' not in html
    assert "/consulta/cpf/" in html


def test_pessoa_logada_tambem_nao_busca_por_cpf_pela_url(client, dois_parceiros, rl, usuario):
    client.force_login(usuario)
    resposta = client.get("/consulta/", {"cpf": rl.cpf})
    assert resposta.status_code == 302 and "cpf" not in resposta["Location"]
    assert not RegistroAuditoria.objects.filter(acao="consulta.cpf_representante").exists()


# --- Logado: POST, cota, auditoria ---------------------------------------------------------------
def test_anonimo_na_busca_por_cpf_vai_para_o_login(client, dois_parceiros, rl):
    for resposta in (client.get("/consulta/cpf/"), client.post("/consulta/cpf/", {"cpf": rl.cpf})):
        assert resposta.status_code == 302
        assert urlsplit(resposta["Location"]).path == "/entrar/"
    assert not RegistroAuditoria.objects.filter(acao="consulta.cpf_representante").exists()


def test_logado_busca_por_post_acha_as_organizacoes_do_rl_sem_mostrar_o_cpf(
    client, dois_parceiros, rl, usuario
):
    client.force_login(usuario)
    resposta = client.post("/consulta/cpf/", {"cpf": formatar_cpf(rl.cpf)})
    assert resposta.status_code == 200
    assert sorted(_cnpjs(resposta)) == sorted(p.cnpj for p in dois_parceiros)
    assert "2 organizações encontradas" in _texto(resposta)
    tabela = re.search(r"<table.*?</table>", resposta.content.decode(), re.S).group(0)
    assert rl.cpf not in tabela and formatar_cpf(rl.cpf) not in tabela
    assert resposta["Cache-Control"] == "private, no-store"


def test_a_busca_por_cpf_nao_aceita_o_cpf_pela_query_string(client, dois_parceiros, rl, usuario):
    client.force_login(usuario)
    resposta = client.get("/consulta/cpf/", {"cpf": rl.cpf})
    assert resposta.status_code == 200 and _cnpjs(resposta) == []
    assert not RegistroAuditoria.objects.filter(acao="consulta.cpf_representante").exists()


def test_rl_de_vinculo_encerrado_ou_ri_nao_sao_achados(client, parceiro, rl, ri, usuario):
    client.force_login(usuario)
    assert _cnpjs(client.post("/consulta/cpf/", {"cpf": ri.cpf})) == []
    novo = UsuarioFactory(aceitou_termo=True)
    from datetime import date

    from parceiros import services

    services.vincular_rl(
        parceiro,
        novo,
        cargo="Prefeito",
        mandato_inicio=date(2025, 1, 1),
        mandato_fim=date(2028, 1, 1),
    )
    assert _cnpjs(client.post("/consulta/cpf/", {"cpf": rl.cpf})) == []
    assert _cnpjs(client.post("/consulta/cpf/", {"cpf": novo.cpf})) == [parceiro.cnpj]


def test_cada_busca_fica_na_auditoria_com_o_cpf_mascarado(client, dois_parceiros, rl, usuario):
    client.force_login(usuario)
    client.post("/consulta/cpf/", {"cpf": rl.cpf}, REMOTE_ADDR="10.9.8.7")
    registro = RegistroAuditoria.objects.get(acao="consulta.cpf_representante")
    assert registro.ator == usuario and registro.ip == "10.9.8.7"
    assert registro.descricao == f"CPF ***.{rl.cpf[3:6]}.{rl.cpf[6:9]}-**"
    assert registro.depois == {"encontradas": 2}
    assert rl.cpf not in str(registro.descricao) + str(registro.depois)


@pytest.mark.parametrize("valor", ["529.982.247-24", "111.111.111-11", "abc", "9" * 40])
def test_cpf_invalido_explica_em_portugues_e_nao_gasta_a_cota(client, usuario, valor):
    client.force_login(usuario)
    resposta = client.post("/consulta/cpf/", {"cpf": valor})
    assert "CPF inválido" in _texto(resposta)
    assert f'value="{valor}"' in resposta.content.decode()  # nada se perde
    assert not RegistroAuditoria.objects.filter(acao="consulta.cpf_representante").exists()


def test_cota_diaria_por_conta_acaba_com_mensagem_clara_e_volta_no_dia_seguinte(
    client, dois_parceiros, rl, usuario, settings
):
    settings.CONSULTA_CPF_LIMITE_DIARIO = 3
    client.force_login(usuario)
    with time_machine.travel("2026-12-05 10:00 -03:00", tick=False):
        for _ in range(3):
            assert len(_cnpjs(client.post("/consulta/cpf/", {"cpf": rl.cpf}))) == 2
        esgotada = client.post("/consulta/cpf/", {"cpf": rl.cpf})
        assert _cnpjs(esgotada) == []
        assert "Você já fez as 3 consultas por CPF permitidas por dia." in _texto(esgotada)
        assert f'value="{rl.cpf}"' in esgotada.content.decode()  # o digitado continua lá
        assert "resta 0" in _texto(esgotada).lower() or "restam 0" in _texto(esgotada).lower()
        # Outra conta tem a sua própria cota.
        client.force_login(UsuarioFactory(aceitou_termo=True))
        assert len(_cnpjs(client.post("/consulta/cpf/", {"cpf": rl.cpf}))) == 2
    with time_machine.travel("2026-12-06 00:05 -03:00", tick=False):
        client.force_login(usuario)
        assert len(_cnpjs(client.post("/consulta/cpf/", {"cpf": rl.cpf}))) == 2
    assert (
        RegistroAuditoria.objects.filter(acao="consulta.cpf_representante", ator=usuario).count()
        == 4
    )


def test_a_pagina_mostra_quantas_consultas_restam_hoje(client, usuario, rl, settings):
    settings.CONSULTA_CPF_LIMITE_DIARIO = 20
    client.force_login(usuario)
    assert "restam 20 hoje" in _texto(client.get("/consulta/cpf/"))
    assert "restam 19 hoje" in _texto(client.post("/consulta/cpf/", {"cpf": rl.cpf}))
