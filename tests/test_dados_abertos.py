"""Dados abertos (issue #16): geração do CSV e do JSON Lines, retenção, trava e comando.

* Conteúdo: as colunas do dicionário, na ordem; as colunas da consulta iguais às da
  exportação da consulta (``consulta.linhas``) para cada Parceiro; um nome com acentos, aspas
  e ``;`` volta igual pelo leitor de CSV do Python e pelo JSON; impedimentos e motivo.
* Nenhum CPF: os dígitos do CPF do RL (nus e formatados) não aparecem em arquivo nenhum.
* Fluxo: lotes por chave (``LOTE``) sem perder nem repetir linha na fronteira, uma consulta
  por lote; SHA-256, tamanho e linhas gravados conferem com o arquivo guardado.
* Um por dia e formato (rodar de novo troca e apaga o anterior); uma falha ao gravar a linha
  não deixa arquivo novo sem linha nem estraga o anterior.
* Retenção: hoje e os 30 dias anteriores, nenhuma linha apontando para arquivo apagado;
  arquivo da pasta sem linha (apagamento que falhou) vai embora na geração seguinte.
* Trava (PostgreSQL): com outra geração em andamento, nada é feito; o comando diz isso.
* O comando imprime o que gerou; a tarefa do beat roda depois do recálculo noturno.
"""

import csv
import dataclasses
import hashlib
import io
import itertools
import json
import os
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from cagec.lib import travas
from cagec.lib.documentos import calcular_dv_cnpj, formatar_cpf
from declaracoes import consulta, dados_abertos, tasks
from declaracoes import dados_abertos_colunas as colunas
from declaracoes.models import ArquivoDadosAbertos
from parceiros import receita, services
from parceiros.models import TipoParceiro

from .factories import CNPJ_ASSOCIACAO, UsuarioFactory

pytestmark = pytest.mark.django_db

BRASILIA = ZoneInfo("America/Sao_Paulo")
CPF_DO_RL = "52998224725"
NOME_DIFICIL = 'ASSOCIAÇÃO "CORAÇÃO; DE MÃE" — SÃO JOÃO D\'EL-REI'
CSV = ArquivoDadosAbertos.Formato.CSV
JSONL = ArquivoDadosAbertos.Formato.JSONL
_sequencia = itertools.count(1)


# --- Construção, pelos serviços -----------------------------------------------------------------
def novo_cnpj():
    base = f"62{next(_sequencia):010d}"
    return base + calcular_dv_cnpj(base)


def cadastrar(razao_social, *, nome_fantasia="", municipio="BELO HORIZONTE", rl=None):
    registro = dataclasses.replace(
        receita.consultar_cnpj(CNPJ_ASSOCIACAO),
        cnpj=novo_cnpj(),
        razao_social=razao_social,
        nome_fantasia=nome_fantasia,
        municipio=municipio,
    )
    tipo = TipoParceiro.objects.filter(naturezas__codigo=registro.natureza_juridica_codigo).first()
    parceiro = services.cadastrar_parceiro(registro, tipo)
    if rl is not None:
        services.vincular_rl(
            parceiro,
            rl,
            cargo="Presidente",
            mandato_inicio=date(2025, 1, 1),
            mandato_fim=date(2028, 12, 31),
        )
    return parceiro


@pytest.fixture
def parceiros(db):
    rl = UsuarioFactory(cpf=CPF_DO_RL, aceitou_termo=True)
    analista = UsuarioFactory(aceitou_termo=True)
    dificil = cadastrar(NOME_DIFICIL, nome_fantasia="Fantasia; com “aspas”", rl=rl)
    simples = cadastrar("INSTITUTO BOA VISTA", municipio="UBERLÂNDIA")
    bloqueado = cadastrar('=HIPERLINK("x") FUNDAÇÃO')
    services.alterar_pela_administracao(
        bloqueado, ator=analista, cadin_bloqueado=True, motivo_impedimento="Débito; em aberto"
    )
    return {"dificil": dificil, "simples": simples, "bloqueado": bloqueado}


@pytest.fixture
def gerar(django_capture_on_commit_callbacks):
    """Gera como a tarefa (os efeitos depois do commit rodam) e devolve os arquivos."""

    def _gerar():
        with django_capture_on_commit_callbacks(execute=True):
            geracao = dados_abertos.gerar()
        return {arquivo.formato: arquivo for arquivo in geracao.arquivos}

    return _gerar


def conteudo(arquivo):
    with default_storage.open(arquivo.arquivo.name, "rb") as aberto:
        return aberto.read()


def linhas_csv(arquivo):
    texto = conteudo(arquivo).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(texto, newline=""), delimiter=";"))


def objetos_jsonl(arquivo):
    return [json.loads(linha) for linha in conteudo(arquivo).decode("utf-8").splitlines()]


# --- Conteúdo ----------------------------------------------------------------------------------
def test_csv_tem_bom_cabecalho_do_dicionario_e_uma_linha_por_parceiro(parceiros, gerar):
    arquivos = gerar()
    bruto = conteudo(arquivos[CSV])
    assert bruto.startswith("\ufeff".encode())
    cabecalho, *dados = linhas_csv(arquivos[CSV])
    assert cabecalho == [c.nome for c in colunas.COLUNAS]
    assert len(dados) == 3 == arquivos[CSV].linhas
    assert all(len(linha) == len(cabecalho) for linha in dados)
    assert b"\r\n" in bruto


def test_nome_com_acentos_aspas_e_ponto_e_virgula_volta_igual(parceiros, gerar):
    arquivos = gerar()
    cabecalho, *dados = linhas_csv(arquivos[CSV])
    por_cnpj = {linha[1]: dict(zip(cabecalho, linha, strict=True)) for linha in dados}
    dificil = por_cnpj[parceiros["dificil"].cnpj_formatado]
    assert dificil["razao_social"] == NOME_DIFICIL
    assert dificil["nome_fantasia"] == "Fantasia; com “aspas”"
    assert dificil["numero_cadastro"] == str(parceiros["dificil"].numero_cadastro)
    objeto = next(o for o in objetos_jsonl(arquivos[JSONL]) if o["razao_social"] == NOME_DIFICIL)
    assert objeto["cnpj"] == parceiros["dificil"].cnpj_formatado
    assert objeto["numero_cadastro"] == parceiros["dificil"].numero_cadastro


def test_jsonl_um_objeto_valido_por_linha_com_as_chaves_do_dicionario(parceiros, gerar):
    arquivos = gerar()
    texto = conteudo(arquivos[JSONL]).decode("utf-8")
    assert texto.endswith("\n") and not texto.startswith("\ufeff")
    objetos = objetos_jsonl(arquivos[JSONL])
    assert len(objetos) == 3 == arquivos[JSONL].linhas
    for objeto in objetos:
        assert list(objeto) == colunas.NOMES
        assert isinstance(objeto["possui_impedimento"], bool)


def test_impedimento_cadin_siafi_e_motivo(parceiros, gerar):
    arquivos = gerar()
    objetos = {o["razao_social"]: o for o in objetos_jsonl(arquivos[JSONL])}
    bloqueado = objetos['=HIPERLINK("x") FUNDAÇÃO']
    assert bloqueado["possui_impedimento"] is True
    assert bloqueado["cadin_mg_bloqueado"] is True and bloqueado["siafi_mg_bloqueado"] is False
    assert bloqueado["motivo_impedimento"] == "Débito; em aberto"
    livre = objetos["INSTITUTO BOA VISTA"]
    assert livre["possui_impedimento"] is False and livre["motivo_impedimento"] == ""
    cabecalho, *dados = linhas_csv(arquivos[CSV])
    no_csv = {linha[1]: dict(zip(cabecalho, linha, strict=True)) for linha in dados}
    linha = no_csv[parceiros["bloqueado"].cnpj_formatado]
    assert linha["possui_impedimento"] == "Sim" and linha["siafi_mg_bloqueado"] == "Não"
    # No CSV, o texto que viraria fórmula na planilha ganha o apóstrofo; no JSON, o original.
    assert linha["razao_social"] == '\'=HIPERLINK("x") FUNDAÇÃO'


def test_colunas_da_consulta_iguais_as_da_exportacao_da_consulta(parceiros, gerar):
    arquivos = gerar()
    cabecalho, *dados = linhas_csv(arquivos[CSV])
    chaves = ["cnpj", "razao_social", "nome_fantasia", "municipio", "uf", "genero", "tipo"]
    chaves += ["situacao", "possui_impedimento"]
    assert len(chaves) == len(consulta.COLUNAS)
    publicadas = sorted(
        tuple(dict(zip(cabecalho, linha, strict=True))[c] for c in chaves)
        for linha in dados
        if not linha[2].startswith("'")  # o protegido contra fórmula é conferido acima
    )
    da_consulta = sorted(
        tuple(v or "" for v in linha)
        for linha in consulta.linhas(consulta.buscar({}), 100)
        if not linha[1].startswith("=")
    )
    assert publicadas == da_consulta and len(publicadas) == 2


def test_nenhum_cpf_do_rl_em_arquivo_nenhum(parceiros, gerar):
    arquivos = gerar()
    for arquivo in arquivos.values():
        bruto = conteudo(arquivo).decode("utf-8")
        assert CPF_DO_RL not in bruto
        assert formatar_cpf(CPF_DO_RL) not in bruto
        assert CPF_DO_RL[3:9] not in bruto.replace(".", "").replace("-", "")


def test_sha256_tamanho_e_linhas_gravados_conferem_com_o_arquivo(parceiros, gerar):
    for arquivo in gerar().values():
        bruto = conteudo(arquivo)
        assert arquivo.sha256 == hashlib.sha256(bruto).hexdigest()
        assert arquivo.tamanho == len(bruto)
        # Com um arquivo de mesmo nome no disco (outra geração), o armazenamento acrescenta um
        # sufixo; o nome oferecido no download é sempre ``nome_para_baixar``.
        base = f"dados-abertos/cagec-parceiros-{arquivo.dia:%Y-%m-%d}"
        assert re.fullmatch(rf"{base}(_\w+)?\.{arquivo.formato}", arquivo.arquivo.name)


def test_cadastro_vazio_gera_so_o_cabecalho(db, gerar):
    arquivos = gerar()
    assert linhas_csv(arquivos[CSV]) == [colunas.NOMES]
    assert arquivos[CSV].linhas == arquivos[JSONL].linhas == 0
    assert conteudo(arquivos[JSONL]) == b""


# --- Fluxo em lotes ------------------------------------------------------------------------------
def test_lotes_por_chave_nao_perdem_nem_repetem_linha(
    parceiros, gerar, monkeypatch, django_assert_num_queries
):
    for indice in range(4):
        cadastrar(f"COOPERATIVA {indice}")
    monkeypatch.setattr(dados_abertos, "LOTE", 2)
    arquivos = gerar()
    numeros = [o["numero_cadastro"] for o in objetos_jsonl(arquivos[JSONL])]
    assert len(numeros) == len(set(numeros)) == 7
    cnpjs = {linha[1] for linha in linhas_csv(arquivos[CSV])[1:]}
    assert len(cnpjs) == 7
    # Uma consulta por lote de 2: três cheios, um com a última linha e a que volta vazia.
    with django_assert_num_queries(5):
        list(dados_abertos._linhas_do_banco())


# --- Um por dia e formato ------------------------------------------------------------------------
def test_rodar_de_novo_no_mesmo_dia_troca_os_arquivos_e_apaga_os_anteriores(parceiros, gerar):
    primeiros = gerar()
    cadastrar("ASSOCIAÇÃO NOVA DE HOJE")
    segundos = gerar()
    assert ArquivoDadosAbertos.objects.count() == 2
    for formato in (CSV, JSONL):
        assert segundos[formato].pk == primeiros[formato].pk
        assert segundos[formato].linhas == 4
        assert not default_storage.exists(primeiros[formato].arquivo.name)
        guardado = ArquivoDadosAbertos.objects.get(formato=formato)
        assert guardado.arquivo.name == segundos[formato].arquivo.name
        assert hashlib.sha256(conteudo(guardado)).hexdigest() == guardado.sha256


def test_falha_ao_gravar_a_linha_apaga_o_arquivo_novo_e_mantem_o_anterior(
    parceiros, gerar, monkeypatch
):
    anteriores = gerar()
    pasta = default_storage.path(dados_abertos.PASTA)
    antes = set(os.listdir(pasta))

    def falha(novo):
        raise RuntimeError("banco caiu")

    monkeypatch.setattr(dados_abertos, "_gravar_linha", falha)
    with pytest.raises(RuntimeError):
        gerar()
    assert set(os.listdir(pasta)) == antes
    for arquivo in anteriores.values():
        guardado = ArquivoDadosAbertos.objects.get(pk=arquivo.pk)
        assert hashlib.sha256(conteudo(guardado)).hexdigest() == guardado.sha256


# --- Retenção ------------------------------------------------------------------------------------
def _as_uma_da_manha(dia):
    return datetime.combine(dia, datetime.min.time(), BRASILIA) + timedelta(hours=1)


def test_guarda_hoje_e_os_30_dias_anteriores(parceiros, gerar):
    inicio = date(2026, 1, 1)
    nomes = {}
    for deslocamento in range(34):
        with time_machine.travel(_as_uma_da_manha(inicio + timedelta(days=deslocamento))):
            nomes[deslocamento] = {a.arquivo.name for a in gerar().values()}
    hoje = inicio + timedelta(days=33)
    dias = sorted(set(ArquivoDadosAbertos.objects.values_list("dia", flat=True)))
    assert dias[0] == hoje - timedelta(days=30) and dias[-1] == hoje and len(dias) == 31
    for arquivo in ArquivoDadosAbertos.objects.all():
        assert default_storage.exists(arquivo.arquivo.name)
    for deslocamento in range(3):
        assert not any(default_storage.exists(nome) for nome in nomes[deslocamento])


def test_arquivo_sem_linha_na_pasta_vai_embora_na_geracao_seguinte(parceiros, gerar):
    # A idade do arquivo é a do disco (relógio de verdade); a geração seguinte, 2 h depois.
    perdido = default_storage.save("dados-abertos/cagec-parceiros-2025.csv", ContentFile(b"x"))
    gerar()
    assert default_storage.exists(perdido)  # dentro da carência de uma hora
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        gerar()
    assert not default_storage.exists(perdido)


# --- Trava ----------------------------------------------------------------------------------------
@pytest.fixture
def outra_geracao_em_andamento():
    """Outra sessão do PostgreSQL segura a trava, como um segundo worker gerando."""
    if connection.vendor != "postgresql":
        pytest.skip("a trava consultiva só existe no PostgreSQL (o modo embutido é um processo)")
    import psycopg  # import tardio: só existe onde há PostgreSQL

    banco = connection.settings_dict
    outra = psycopg.connect(
        dbname=banco["NAME"],
        user=banco["USER"],
        password=banco["PASSWORD"],
        host=banco["HOST"],
        port=banco["PORT"] or None,
        autocommit=True,
    )
    outra.execute("SELECT pg_advisory_lock(%s)", [travas.chave(dados_abertos.TRAVA)])
    yield
    outra.close()


def test_geracao_concorrente_e_recusada_sem_tocar_em_nada(parceiros, outra_geracao_em_andamento):
    with pytest.raises(dados_abertos.GeracaoEmAndamento):
        dados_abertos.gerar()
    assert not ArquivoDadosAbertos.objects.exists()
    with pytest.raises(CommandError, match="Outra geração dos dados abertos está em andamento"):
        call_command("gerar_dados_abertos", stdout=io.StringIO())
    assert tasks.gerar_dados_abertos() is None
    assert not ArquivoDadosAbertos.objects.exists()


# --- Comando e tarefa ----------------------------------------------------------------------------
def test_comando_imprime_o_que_gerou(parceiros, django_capture_on_commit_callbacks):
    saida = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("gerar_dados_abertos", stdout=saida)
    texto = saida.getvalue()
    for arquivo in ArquivoDadosAbertos.objects.all():
        assert f"{arquivo.get_formato_display()}: {arquivo.arquivo.name}" in texto
        assert f"SHA-256 {arquivo.sha256}" in texto
    assert "3 linha(s)" in texto
    assert "0 arquivo(s) com mais de 30 dias apagado(s)." in texto


def test_tarefa_gera_e_o_beat_a_agenda_depois_do_recalculo_noturno(parceiros):
    assert tasks.gerar_dados_abertos() == {"linhas": [3, 3], "apagados": 0}
    agenda = settings.CELERY_BEAT_SCHEDULE
    dados = agenda["gerar-dados-abertos"]
    assert dados["task"] == "declaracoes.tasks.gerar_dados_abertos"
    recalculo = agenda["rotina-diaria-situacao"]["schedule"]
    hora = (min(dados["schedule"].hour), min(dados["schedule"].minute))
    assert hora > (min(recalculo.hour), min(recalculo.minute))
