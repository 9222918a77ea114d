"""CRC — Certificado de Registro Cadastral (produto.md §5.2).

Emitir é: calcular o retrato do Parceiro hoje (situação, campos do Estado, identificação,
Representante Legal sem CPF, cada Obrigação com status e validade), gerar o PDF com o
código de verificação e o QR, e guardar tudo num ``Certificado``. Pedir o CRC de novo no
mesmo dia com o mesmo retrato devolve o mesmo certificado: robôs não fazem o
armazenamento crescer.

Dois caminhos para o mesmo dia:
- **rápido** (2 consultas): há um certificado de hoje com a ``versao_publica`` atual do
  Parceiro, que sobe a cada recálculo da situação (e todo serviço que muda o cadastro
  recalcula);
- **completo**: calcula o retrato; se a chave (SHA-256 do retrato) já foi emitida hoje,
  devolve aquele certificado, senão emite um novo.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from accounts.models import Usuario
from cagec.lib import compiladas, pdf
from cagec.lib.armazenamento import apagar_sem_falhar
from cagec.lib.codigos import formatar_codigo, gerar_codigo
from cagec.lib.formatos import formatar_cep, formatar_cnpj, formatar_data
from parceiros import situacao
from parceiros.models import Genero, NaturezaJuridica, Parceiro, TipoParceiro, Vinculo

from . import revogacao, verificacao
from .models import Certificado

log = logging.getLogger(__name__)

VERSAO_DO_RETRATO = 1
STATUS = situacao.StatusObrigacao


def crc_do_dia(parceiro: Parceiro) -> Certificado:
    """O CRC de hoje do Parceiro: o já emitido, se nada mudou, ou um novo."""
    dia = situacao.hoje()
    existente = _emitido(parceiro, dia, versao=parceiro.versao_publica)
    return existente or emitir(parceiro, dia)


def _sql_do_registro() -> str:
    c, p = Certificado._meta.db_table, Parceiro._meta.db_table
    # Só nomes de tabela dos próprios modelos: nada vem do pedido (os valores são parâmetros).
    return (
        "SELECT p.id, p.versao_publica, c.pdf, c.codigo"  # noqa: S608  # nosec B608
        f" FROM {p} p LEFT JOIN {c} c ON c.parceiro_id = p.id AND c.dia = %s"
        " AND c.versao = p.versao_publica AND c.revogado_em IS NULL"
        " WHERE p.cnpj = %s ORDER BY c.emitido_em DESC LIMIT 1"
    )


_SQL_DO_REGISTRO = _sql_do_registro()


@dataclass(frozen=True)
class RegistroDoDia:
    """O Parceiro do CNPJ e o CRC de hoje dele, se há um válido (mesma ``versao_publica``,
    não revogado): o que o pedido público do CRC precisa saber, numa consulta preparada."""

    parceiro_id: int
    versao_publica: int
    pdf: str | None
    codigo: str | None


def registro_do_dia(cnpj: str) -> RegistroDoDia | None:
    """``None``: não há Parceiro com esse CNPJ. Sem cache: a reemissão é essa consulta e o
    arquivo; a primeira emissão segue dela para ``emitir`` sem procurar de novo."""
    achadas = compiladas.executar(_SQL_DO_REGISTRO, [situacao.hoje(), cnpj])
    return RegistroDoDia(*achadas[0]) if achadas else None


def emitir_do_registro(registro: RegistroDoDia) -> Certificado:
    """A primeira emissão do dia a partir de ``registro_do_dia`` (que já viu que não há CRC
    da versão atual): vai direto a ``emitir``, que ainda acha um de hoje com o mesmo retrato."""
    parceiro = Parceiro(pk=registro.parceiro_id, versao_publica=registro.versao_publica)
    return emitir(parceiro)


def pdf_refeito(codigo: str):
    """O PDF de um CRC cujo arquivo sumiu do armazenamento (backup restaurado sem a mídia do
    dia), refeito do retrato guardado: o render é determinístico (sem relógio nem acaso), então
    os bytes e o SHA-256 são os da emissão e o arquivo volta ao lugar. Se o SHA-256 não bater
    (outra versão do ReportLab), o PDF é servido sem ser guardado e o log avisa: a verificação
    pelo código continua valendo; a pelo arquivo, não."""
    from . import crc_pdf  # import tardio: o ReportLab só carrega ao gerar um CRC

    certificado = Certificado.objects.get(codigo=codigo)
    conteudo = crc_pdf.renderizar(
        contexto_pdf(certificado.snapshot, certificado.codigo, certificado.emitido_em)
    )
    if pdf.sha256(conteudo) == certificado.sha256_pdf:
        log.warning("PDF do CRC %s refeito do retrato (o arquivo sumira)", codigo)
        certificado.pdf.storage.save(certificado.pdf.name, ContentFile(conteudo))
    else:
        log.error("PDF do CRC %s refeito com SHA-256 diferente do original; não guardado", codigo)
    return ContentFile(conteudo, name=certificado.pdf.name)


def _emitido(parceiro, dia, **filtro):
    return (
        Certificado.objects.filter(parceiro=parceiro, dia=dia, revogado_em__isnull=True, **filtro)
        .order_by("-emitido_em")
        .first()
    )


def emitir(parceiro: Parceiro, dia: date | None = None) -> Certificado:
    """Emite o CRC (ou devolve o de hoje com o mesmo retrato).

    A situação é calculada agora; se ela difere da guardada (um documento venceu desde o
    último recálculo), o Parceiro é recalculado antes, para a consulta e o CRC dizerem o
    mesmo. Duas emissões simultâneas do mesmo retrato: a restrição única deixa uma só.
    """
    dia = dia or situacao.hoje()
    parceiro = parceiro_do_retrato(parceiro.pk)
    calculada, itens = situacao.calcular_resumido(parceiro, dia)
    if calculada != parceiro.situacao:
        situacao.recalcular(parceiro, motivo="Emissão do CRC", dia=dia)
        parceiro.refresh_from_db(fields=["situacao", "versao_publica"])
    retrato = retrato_do_parceiro(parceiro, calculada, itens, dia)
    chave = chave_do_retrato(retrato)
    mesmo = _mesmo_retrato_hoje(parceiro.pk, dia, chave)
    if mesmo is None:
        mesmo = _gravar(parceiro, dia, retrato, chave)
    if mesmo.versao != parceiro.versao_publica:
        # Marcação do atalho (não é conteúdo do certificado): o próximo pedido é rápido.
        Certificado.objects.filter(pk=mesmo.pk).update(versao=parceiro.versao_publica)
    return mesmo


# Valores-sentinela das consultas compiladas (``cagec.lib.compiladas``).
_SENTINELA_PARCEIRO = -918_273_647
_SENTINELA_CHAVE = "sentinela-da-chave-do-retrato"
_SENTINELA_DIA = date(1903, 3, 4)


@compiladas.por_vendor
def _consulta_do_mesmo_retrato():
    consulta = (
        Certificado.objects.filter(
            parceiro_id=_SENTINELA_PARCEIRO,
            dia=_SENTINELA_DIA,
            chave=_SENTINELA_CHAVE,
            revogado_em__isnull=True,
        )
        .order_by("-emitido_em")
        .values_list("pk")[:1]
    )
    sentinelas = (_SENTINELA_PARCEIRO, _SENTINELA_DIA, _SENTINELA_CHAVE)
    return (compiladas.compilar(consulta, *sentinelas),)


def _mesmo_retrato_hoje(parceiro_pk: int, dia: date, chave: str) -> Certificado | None:
    """O certificado de hoje com o mesmo retrato (``_emitido`` com ``chave``), por uma consulta
    compilada uma vez: na primeira emissão do dia ele não existe, e só o pk é lido."""
    [compilada] = _consulta_do_mesmo_retrato()
    valores = {_SENTINELA_PARCEIRO: parceiro_pk, _SENTINELA_DIA: dia, _SENTINELA_CHAVE: chave}
    achado = compiladas.linhas(compilada, compiladas.trocas(valores))
    return Certificado.objects.get(pk=achado[0][0]) if achado else None


# Só as colunas que o retrato e a emissão leem (nada do JSON da Receita), o Tipo, o Gênero e a
# natureza jurídica por junção e o RL numa subconsulta que devolve o que o CRC mostra dele:
# uma consulta, compilada uma vez por processo (``cagec.lib.compiladas``).
_COLUNAS_DO_RETRATO = {
    *("id", "cnpj", "numero_cadastro", "razao_social", "nome_fantasia", "situacao"),
    *("versao_publica", "logradouro", "numero", "complemento", "bairro", "municipio", "uf"),
    *("cep", "situacao_mrosc", "cadin_bloqueado", "siafi_bloqueado", "motivo_impedimento"),
    *("tipo_id", "natureza_juridica_id"),
}
_RELACIONADAS = (
    *("tipo__nome", "tipo__genero_id", "tipo__genero__nome"),
    *("natureza_juridica__codigo", "natureza_juridica__descricao", "rl_do_crc"),
)


def _colunas_na_ordem_do_modelo() -> list[str]:
    """As colunas na ordem dos campos do modelo, a que ``Model.from_db`` espera."""
    campos = Parceiro._meta.concrete_fields
    return [f.attname for f in campos if f.attname in _COLUNAS_DO_RETRATO]


@compiladas.por_vendor
def _consulta_do_retrato():
    rl = (
        Vinculo.objects.filter(parceiro=OuterRef("pk"), papel=Vinculo.Papel.RL, ativo=True)
        .order_by("-ativo", "papel", "-created_at")  # o Meta de Vinculo: o RL de ``.first()``
        .values(dados=JSONObject(nome="usuario__nome", cargo="cargo", fim="mandato_fim"))[:1]
    )
    consulta = (
        Parceiro.objects.filter(pk=_SENTINELA_PARCEIRO)
        .annotate(rl_do_crc=Subquery(rl, output_field=JSONField()))
        .values_list(*_colunas_na_ordem_do_modelo(), *_RELACIONADAS)
    )
    return (compiladas.compilar(consulta, _SENTINELA_PARCEIRO),)


def parceiro_do_retrato(pk: int) -> Parceiro:
    """O Parceiro como ``emitir`` o lê: colunas do retrato, Tipo, Gênero, natureza e o RL
    (``rl_do_crc``), montados com ``from_db`` a partir de uma linha."""
    [compilada] = _consulta_do_retrato()
    achadas = compiladas.linhas(compilada, compiladas.trocas({_SENTINELA_PARCEIRO: pk}))
    if not achadas:
        raise Parceiro.DoesNotExist(f"Parceiro {pk} não existe")
    colunas = _colunas_na_ordem_do_modelo()
    valores = dict(zip(colunas, achadas[0][: len(colunas)], strict=True))
    for booleano in ("cadin_bloqueado", "siafi_bloqueado"):  # o SQLite devolve 0/1
        valores[booleano] = bool(valores[booleano])
    tipo_nome, genero_id, genero_nome, codigo, descricao, rl = achadas[0][len(colunas) :]
    banco = connection.alias
    parceiro = Parceiro.from_db(banco, colunas, list(valores.values()))
    tipo = TipoParceiro.from_db(
        banco, ["id", "nome", "genero_id"], [valores["tipo_id"], tipo_nome, genero_id]
    )
    tipo.genero = Genero.from_db(banco, ["id", "nome"], [genero_id, genero_nome])
    parceiro.tipo = tipo
    parceiro.natureza_juridica = NaturezaJuridica.from_db(
        banco, ["id", "codigo", "descricao"], [valores["natureza_juridica_id"], codigo, descricao]
    )
    parceiro.rl_do_crc = json.loads(rl) if isinstance(rl, str) else rl  # type: ignore[attr-defined]
    return parceiro


def chave_do_retrato(retrato: dict) -> str:
    canonico = json.dumps(retrato, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonico.encode()).hexdigest()


def retrato_do_parceiro(parceiro, situacao_hoje, itens, dia) -> dict:
    """Tudo o que o CRC mostra, em dados simples (JSON); nunca o CPF."""
    return {
        "formato": VERSAO_DO_RETRATO,
        "dia": dia.isoformat(),
        "numero_cadastro": parceiro.numero_cadastro,
        "cnpj": parceiro.cnpj,
        "cnpj_formatado": formatar_cnpj(parceiro.cnpj),
        "razao_social": parceiro.razao_social,
        "nome_fantasia": parceiro.nome_fantasia,
        "natureza_juridica": str(parceiro.natureza_juridica),
        "tipo": parceiro.tipo.nome,
        "genero": parceiro.tipo.genero.nome,
        "endereco": endereco(parceiro),
        "situacao": situacao_hoje,
        "situacao_display": Parceiro.Situacao(situacao_hoje).label,
        **situacao.campos_do_estado(parceiro, itens),
        "representante": _representante(parceiro),
        "grupos": _grupos(itens),
    }


def endereco(parceiro) -> str:
    rua = ", ".join(p for p in (parceiro.logradouro, parceiro.numero, parceiro.complemento) if p)
    cep = f"CEP {formatar_cep(parceiro.cep)}" if parceiro.cep else ""
    cidade = f"{parceiro.municipio}/{parceiro.uf}" if parceiro.uf else parceiro.municipio
    return " — ".join(p for p in (rua, parceiro.bairro, cidade, cep) if p)


def _representante(parceiro):
    """O RL do retrato: o da subconsulta de ``parceiro_do_retrato`` ou, num Parceiro
    carregado de outro jeito, uma consulta."""
    if hasattr(parceiro, "rl_do_crc"):
        dados = parceiro.rl_do_crc
        if dados is None:
            return None
        fim = dados["fim"] and date.fromisoformat(dados["fim"])
        return {"nome": dados["nome"], "cargo": dados["cargo"], "mandato_fim": _data(fim)}
    vinculo = (
        Vinculo.objects.filter(parceiro=parceiro, papel=Vinculo.Papel.RL, ativo=True)
        .select_related("usuario")
        .first()
    )
    if vinculo is None:
        return None
    return {
        "nome": vinculo.usuario.nome,
        "cargo": vinculo.cargo,
        "mandato_fim": _data(vinculo.mandato_fim),
    }


def _grupos(itens):
    """Os itens (``situacao.ItemResumido`` ou ``situacao.Item``) agrupados como no CRC."""
    grupos = {}
    for item in itens:
        grupos.setdefault(item.nome_do_grupo, []).append(
            {
                "obrigacao": item.nome,
                "obrigatoria": item.obrigatoria,
                "mrosc": item.mrosc,
                "status": item.status,
                "status_display": item.status_display,
                "validade": _validade(item),
            }
        )
    return [{"nome": nome, "itens": lista} for nome, lista in grupos.items()]


def _validade(item):
    if item.status == STATUS.PENDENTE:
        return "Sem documento aprovado"
    if item.vence_em is None:
        if item.fim_de_mandato:
            return "Mandato encerrado"
        return "Sem validade"
    prefixo = "Válido até" if item.status == STATUS.VIGENTE else "Venceu em"
    return f"{prefixo} {_data(item.vence_em)}"


def _data(dia):
    return formatar_data(dia) if dia else "—"


def url_de_verificacao(codigo: str) -> str:
    return f"{settings.PORTAL_URL_BASE}/verificar/{codigo}/"


def contexto_pdf(retrato: dict, codigo: str, emitido_em) -> dict:
    """Dados do PDF: o retrato mais a emissão (hora, código e o endereço que o QR leva)."""
    return {
        **retrato,
        "emitido_em": timezone.localtime(emitido_em),
        "codigo": formatar_codigo(codigo),
        "url_verificacao": url_de_verificacao(codigo),
    }


def _gravar(parceiro, dia, retrato, chave, tentativas=3):
    from . import crc_pdf  # import tardio: o ReportLab (~120 ms) só carrega ao gerar um CRC

    agora = timezone.now()
    for _ in range(tentativas):
        codigo = gerar_codigo()
        conteudo = crc_pdf.renderizar(contexto_pdf(retrato, codigo, agora))
        certificado = Certificado(
            parceiro=parceiro,
            codigo=codigo,
            emitido_em=agora,
            dia=dia,
            versao=parceiro.versao_publica,
            chave=chave,
            situacao=retrato["situacao"],
            snapshot=retrato,
            sha256_pdf=pdf.sha256(conteudo),
        )
        certificado.pdf.save(f"{codigo}.pdf", ContentFile(conteudo), save=False)
        certificado.resumo_html = verificacao.resumo_do_certificado(certificado)
        try:
            with transaction.atomic():
                certificado.save()
            return certificado
        except IntegrityError:
            certificado.pdf.delete(save=False)
            vencedor = _emitido(parceiro, dia, chave=chave)
            if vencedor is not None:  # outra emissão simultânea do mesmo retrato ganhou
                return vencedor
        except BaseException:  # banco fora depois de gravar o PDF: o arquivo não fica órfão
            apagar_sem_falhar(certificado.pdf.storage, certificado.pdf.name)
            raise
    raise IntegrityError("não foi possível gerar um código de verificação único")


def revogar(certificado: Certificado, *, ator: Usuario, motivo: str, ip: str | None = None) -> int:
    """Revoga um CRC (ver ``declaracoes.revogacao``); o próximo pedido emite um novo."""
    return revogacao.revogar(certificado, ator=ator, motivo=motivo, ip=ip)
