"""Dados e medidas de Parceiros para o benchmark: recálculo noturno e fila de análise.

Gera (uma vez, reaproveitando nas rodadas seguintes) PARCEIROS organizações com RL,
um documento aprovado por obrigação do Tipo (~20 por Parceiro: ~2 000 000 documentos com
100 000 Parceiros) e FILA solicitações em análise. Usa COPY do PostgreSQL: com
``bulk_create`` a carga levaria dezenas de minutos.
"""

import io
import os
import random
import time
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


def gerar(usuarios_ids, aviso):
    """Cria os Parceiros, RLs, documentos e a fila, se ainda não existirem."""
    from django.db import connection, transaction

    from parceiros.models import (
        Documento,
        Obrigacao,
        Parceiro,
        Solicitacao,
        TipoParceiro,
        Vinculo,
    )

    existentes = Parceiro.objects.filter(cnpj__startswith=str(CNPJ_BASE)[:3]).count()
    if existentes >= PARCEIROS:
        return
    aviso(f"gerando {PARCEIROS} parceiros e ~{PARCEIROS * 20} documentos (COPY)")
    tipos = list(TipoParceiro.objects.prefetch_related("naturezas"))
    obrigacoes = {
        t.pk: list(Obrigacao.objects.filter(tipos=t, ativa=True).order_by("pk")[:20]) for t in tipos
    }
    hoje = date.today()
    aleatorio = random.Random(7)
    agora = "2026-01-01 00:00:00+00"
    with transaction.atomic():
        inicio = (
            Parceiro.objects.order_by("-numero_cadastro").first() or Parceiro()
        ).numero_cadastro
        inicio = inicio or 0
        _copiar(
            "parceiros_parceiro",
            [
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
            ],
            (
                (
                    _cnpj(i),
                    inicio + i + 1,
                    tipos[i % len(tipos)].pk,
                    nome(i),
                    fantasia(i),
                    tipos[i % len(tipos)].naturezas.all()[0].pk,
                    "ATIVA",
                    municipio(i),
                    "MG",
                    "RUA A",
                    str(i),
                    "",
                    "CENTRO",
                    "30000000",
                    "",
                    "",
                    "",
                    agora,
                    "{}",
                    "",
                    "",
                    "",
                    "irregular",
                    "",
                    False,
                    False,
                    "",
                    0,
                    *Parceiro.textos_de_busca(nome(i), fantasia(i), municipio(i)),
                    agora,
                    agora,
                )
                for i in range(PARCEIROS)
            ),
        )
        ids = list(
            Parceiro.objects.filter(cnpj__startswith=str(CNPJ_BASE)[:3])
            .order_by("pk")
            .values_list("pk", "tipo_id")
        )
        aviso("vínculos de RL")
        _copiar(
            "parceiros_vinculo",
            [
                "usuario_id",
                "parceiro_id",
                "papel",
                "cargo",
                "mandato_inicio",
                "mandato_fim",
                "ativo",
                "created_at",
            ],
            (
                (
                    usuarios_ids[n % len(usuarios_ids)],
                    pk,
                    "rl",
                    "Presidente",
                    hoje - timedelta(days=400),
                    hoje + timedelta(days=aleatorio.randint(-30, 900)),
                    True,
                    agora,
                )
                for n, (pk, _tipo) in enumerate(ids)
            ),
        )
        aviso("documentos")
        mandatos = dict(
            Vinculo.objects.filter(
                parceiro_id__in=[pk for pk, _ in ids], papel="rl", ativo=True
            ).values_list("parceiro_id", "pk")
        )

        def documentos():
            for n, (pk, tipo) in enumerate(ids):
                for obrigacao in obrigacoes[tipo]:
                    regra = obrigacao.regra_validade
                    vence = None
                    if regra in ("data_informada", "dias_apos_emissao"):
                        vence = hoje + timedelta(days=aleatorio.randint(-20, 400))
                    yield (
                        obrigacao.pk,
                        pk,
                        "bench/documento.pdf",
                        "documento.pdf",
                        "application/pdf",
                        1000,
                        "0" * 64,
                        None,
                        None,
                        regra,
                        vence,
                        "aprovado",
                        "",
                        "",
                        usuarios_ids[n % len(usuarios_ids)],
                        agora,
                        mandatos[pk] if regra == "fim_mandato" else None,
                    )

        _copiar(
            "parceiros_documento",
            [
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
            ],
            documentos(),
        )
        aviso(f"fila de análise ({FILA})")
        _copiar(
            "parceiros_solicitacao",
            [
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
            ],
            (
                (
                    "documentos",
                    "em_analise",
                    usuarios_ids[n % len(usuarios_ids)],
                    pk,
                    _cnpj(n),
                    "{}",
                    "revisao",
                    "",
                    agora,
                    agora,
                    f"2026-{1 + n % 11:02d}-{1 + n % 28:02d} 10:00:00+00",
                )
                for n, (pk, _tipo) in enumerate(ids[:FILA])
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE parceiros_parceiro, parceiros_documento, parceiros_vinculo, "
            "parceiros_solicitacao"
        )
    Documento.objects.none()
    Solicitacao.objects.none()


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
