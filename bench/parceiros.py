"""Dados e medidas de Parceiros para o benchmark: recálculo noturno e fila de análise.

Gera (uma vez, reaproveitando nas rodadas seguintes) PARCEIROS organizações com RL,
um documento aprovado por obrigação do Tipo (~20 por Parceiro: ~2 000 000 documentos com
100 000 Parceiros) e FILA solicitações em análise. Usa COPY do PostgreSQL: com
``bulk_create`` a carga levaria dezenas de minutos.

Os modelos e serviços do portal são importados dentro das funções de propósito (import
tardio): só existem depois de ``django.setup()``, que este script chama com as variáveis do
banco do benchmark já definidas.
"""

import io
import os
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

PARCEIROS = int(os.environ.get("BENCH_PARCEIROS", "100000"))
FILA = int(os.environ.get("BENCH_FILA", "10000"))
CNPJ_BASE = 500_000_000_000  # 12 dígitos de base, longe dos CNPJs de demonstração


def _cnpj(indice):
    from cagec.lib.documentos import calcular_dv_cnpj

    base = f"{CNPJ_BASE + indice:012d}"
    return base + calcular_dv_cnpj(base)


# Nomes variados como os reais, para a busca por parte do nome ter o peso de verdade:
# "Associação São José de Apoio Uberaba 123" etc. (com acentos; a busca ignora).
_PREFIXOS = [
    "Associação",
    "Instituto",
    "Fundação",
    "Prefeitura Municipal de",
    "Consórcio Intermunicipal",
    "Cooperativa",
    "Sociedade Beneficente",
    "Centro Social",
    "Fundo Municipal de Saúde de",
    "Câmara Municipal de",
    "Obras Sociais",
    "Casa de Acolhimento",
]
_NOMES = [
    "São José",
    "Santa Luzia",
    "Nossa Senhora Aparecida",
    "Vida Nova",
    "Esperança",
    "Bom Pastor",
    "Dom Bosco",
    "Frei Anselmo",
    "Irmã Dulce",
    "Padre Libério",
    "Monte Sião",
    "Boa Vista",
    "Jardim das Flores",
    "Raio de Sol",
    "Água Viva",
    "Caminho da Luz",
    "Pão de Açúcar",
]
_MUNICIPIOS = [
    "Belo Horizonte",
    "Uberlândia",
    "Contagem",
    "Juiz de Fora",
    "Betim",
    "Montes Claros",
    "Ribeirão das Neves",
    "Uberaba",
    "Governador Valadares",
    "Ipatinga",
    "Sete Lagoas",
    "Divinópolis",
    "Santa Luzia",
    "Ibirité",
    "Poços de Caldas",
    "Patos de Minas",
    "Pouso Alegre",
    "Teófilo Otoni",
    "Barbacena",
    "Sabará",
    "Varginha",
    "Conselheiro Lafaiete",
    "Araxá",
    "São João del-Rei",
    "Itajubá",
    "Ouro Preto",
    "Diamantina",
    "Januária",
    "Paracatu",
    "Unaí",
]


def nome(i):
    return (
        f"{_PREFIXOS[i % len(_PREFIXOS)]} {_NOMES[(i // 7) % len(_NOMES)]} "
        f"{_MUNICIPIOS[(i // 3) % len(_MUNICIPIOS)]} {i}"
    ).upper()


def fantasia(i):
    return f"{_NOMES[(i // 7) % len(_NOMES)]} {i}".upper()


def municipio(i):
    return _MUNICIPIOS[(i // 3) % len(_MUNICIPIOS)].upper()


def _copiar(tabela, colunas, linhas):
    """COPY em lotes de texto (tab-separated); ``None`` vira \\N."""
    from django.db import connection

    def valor(v):
        if v is None:
            return r"\N"
        if isinstance(v, bool):
            return "t" if v else "f"
        return str(v).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")

    with connection.cursor() as cursor:
        sql = f"COPY {tabela} ({', '.join(colunas)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copia:
            buffer = io.StringIO()
            for n, linha in enumerate(linhas, start=1):
                buffer.write("\t".join(valor(v) for v in linha) + "\n")
                if n % 20000 == 0:
                    copia.write(buffer.getvalue())
                    buffer = io.StringIO()
            copia.write(buffer.getvalue())


COLUNAS_PARCEIRO = [
    "cnpj",
    "numero_cadastro",
    "tipo_id",
    "razao_social",
    "nome_fantasia",
    "natureza_juridica_id",
    "situacao_cadastral",
    "municipio",
    "uf",
    "logradouro",
    "numero",
    "complemento",
    "bairro",
    "cep",
    "cnae_principal",
    "email_receita",
    "telefone_receita",
    "receita_consultada_em",
    "receita_bruto",
    "site",
    "email_institucional",
    "telefone",
    "situacao",
    "situacao_mrosc",
    "cadin_bloqueado",
    "siafi_bloqueado",
    "motivo_impedimento",
    "versao_publica",
    "busca_nome",
    "busca_municipio",
    "created_at",
    "updated_at",
]
# ``aceito_em``: o RL nasce aceito (só o RI incluído pelo RL espera a confirmação).
COLUNAS_VINCULO = [
    "usuario_id",
    "parceiro_id",
    "papel",
    "cargo",
    "mandato_inicio",
    "mandato_fim",
    "ativo",
    "created_at",
    "aceito_em",
]
# ``vence_em`` só com a data do próprio documento: nulo em ``fim_mandato`` (vence com o
# ``vinculo_id``) e ``sem_validade`` (restrição no banco).
COLUNAS_DOCUMENTO = [
    "obrigacao_id",
    "parceiro_id",
    "arquivo",
    "nome_original",
    "content_type",
    "tamanho",
    "sha256",
    "data_emissao",
    "data_validade",
    "regra_validade",
    "vence_em",
    "status",
    "motivo_reprovacao",
    "parecer",
    "enviado_por_id",
    "created_at",
    "vinculo_id",
]
COLUNAS_SOLICITACAO = [
    "tipo",
    "status",
    "solicitante_id",
    "parceiro_id",
    "cnpj",
    "dados",
    "passo",
    "motivo",
    "created_at",
    "updated_at",
    "enviada_em",
]
AGORA = "2026-01-01 00:00:00+00"  # created_at/updated_at das linhas geradas


@dataclass
class Carga:
    """O que as etapas da geração compartilham (o sorteio segue a ordem das etapas)."""

    usuarios_ids: list
    tipos: list
    obrigacoes: dict
    hoje: date = field(default_factory=date.today)
    aleatorio: random.Random = field(default_factory=lambda: random.Random(7))
    ids: list = field(default_factory=list)  # [(parceiro_id, tipo_id)] gerados

    def usuario(self, n):
        return self.usuarios_ids[n % len(self.usuarios_ids)]


def _gerados():
    from parceiros.models import Parceiro

    return Parceiro.objects.filter(cnpj__startswith=str(CNPJ_BASE)[:3])


def gerar(usuarios_ids, aviso):
    """Cria os Parceiros, RLs, documentos e a fila, se ainda não existirem."""
    from django.db import connection, transaction

    from parceiros.models import Obrigacao, TipoParceiro

    if _gerados().count() >= PARCEIROS:
        return
    aviso(f"gerando {PARCEIROS} parceiros e ~{PARCEIROS * 20} documentos (COPY)")
    tipos = list(TipoParceiro.objects.prefetch_related("naturezas"))
    obrigacoes = {
        t.pk: list(Obrigacao.objects.filter(tipos=t, ativa=True).order_by("pk")[:20]) for t in tipos
    }
    carga = Carga(usuarios_ids, tipos, obrigacoes)
    with transaction.atomic():
        _copiar_parceiros(carga)
        aviso("vínculos de RL")
        _copiar_vinculos(carga)
        aviso("documentos")
        _copiar_documentos(carga)
        aviso(f"fila de análise ({FILA})")
        _copiar_fila(carga)
    # VACUUM além do ANALYZE: uma tabela recém-carregada sem o mapa de visibilidade faz toda
    # varredura só do índice ir ao heap (em produção o autovacuum já o mantém).
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE parceiros_parceiro, parceiros_documento, parceiros_vinculo, "
            "parceiros_solicitacao"
        )


def _copiar_parceiros(carga):
    """PARCEIROS organizações (irregulares até o recálculo), numeradas depois das existentes."""
    from parceiros.models import Parceiro

    ultimo = Parceiro.objects.order_by("-numero_cadastro").first() or Parceiro()
    inicio = ultimo.numero_cadastro or 0
    _copiar(
        "parceiros_parceiro",
        COLUNAS_PARCEIRO,
        (_linha_do_parceiro(i, inicio, carga.tipos) for i in range(PARCEIROS)),
    )
    carga.ids = list(_gerados().order_by("pk").values_list("pk", "tipo_id"))


def _linha_do_parceiro(i, inicio, tipos):
    from parceiros.models import Parceiro

    tipo = tipos[i % len(tipos)]
    receita = ("MG", "RUA A", str(i), "", "CENTRO", "30000000", "", "", "", AGORA, "{}")
    estado = ("", "", "", "irregular", "", False, False, "", 0)
    busca = Parceiro.textos_de_busca(nome(i), fantasia(i), municipio(i))
    return (_cnpj(i), inicio + i + 1, tipo.pk, nome(i), fantasia(i), tipo.naturezas.all()[0].pk) + (
        "ATIVA",
        municipio(i),
        *receita,
        *estado,
        *busca,
        AGORA,
        AGORA,
    )


def _copiar_vinculos(carga):
    """Um RL ativo por Parceiro, com o fim do mandato sorteado (uns já vencidos)."""
    _copiar(
        "parceiros_vinculo",
        COLUNAS_VINCULO,
        (
            (
                carga.usuario(n),
                pk,
                "rl",
                "Presidente",
                carga.hoje - timedelta(days=400),
                carga.hoje + timedelta(days=carga.aleatorio.randint(-30, 900)),
                True,
                AGORA,
                AGORA,
            )
            for n, (pk, _tipo) in enumerate(carga.ids)
        ),
    )


def _copiar_documentos(carga):
    """Um documento aprovado por obrigação do Tipo (até 20), com vencimentos sorteados."""
    from parceiros.models import Vinculo

    mandatos = dict(
        Vinculo.objects.filter(
            parceiro_id__in=[pk for pk, _ in carga.ids], papel="rl", ativo=True
        ).values_list("parceiro_id", "pk")
    )
    linhas = (
        _linha_do_documento(carga, n, pk, obrigacao, mandatos[pk])
        for n, (pk, tipo) in enumerate(carga.ids)
        for obrigacao in carga.obrigacoes[tipo]
    )
    _copiar("parceiros_documento", COLUNAS_DOCUMENTO, linhas)


def _linha_do_documento(carga, n, parceiro_id, obrigacao, mandato_id):
    regra = obrigacao.regra_validade
    vence = None
    if regra in ("data_informada", "dias_apos_emissao"):
        vence = carga.hoje + timedelta(days=carga.aleatorio.randint(-20, 400))
    arquivo = ("bench/documento.pdf", "documento.pdf", "application/pdf", 1000, "0" * 64)
    return (obrigacao.pk, parceiro_id, *arquivo, None, None, regra, vence, "aprovado", "", "") + (
        carga.usuario(n),
        AGORA,
        mandato_id if regra == "fim_mandato" else None,
    )


def _copiar_fila(carga):
    """FILA solicitações de documentos em análise, com datas de envio espalhadas no ano."""
    _copiar(
        "parceiros_solicitacao",
        COLUNAS_SOLICITACAO,
        (
            (
                "documentos",
                "em_analise",
                carga.usuario(n),
                pk,
                _cnpj(n),
                "{}",
                "revisao",
                "",
                AGORA,
                AGORA,
                f"2026-{1 + n % 11:02d}-{1 + n % 28:02d} 10:00:00+00",
            )
            for n, (pk, _tipo) in enumerate(carga.ids[:FILA])
        ),
    )


def medir_recalculo():
    """(segundos, consultas, mudaram) do recálculo de todos os Parceiros."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parceiros import situacao

    with CaptureQueriesContext(connection) as capturadas:
        relogio = time.perf_counter()
        mudaram = situacao.recalcular_todos()
        segundos = time.perf_counter() - relogio
    return segundos, len(capturadas.captured_queries), mudaram
