"""Toda mudança de estado de uma conta passa por aqui.

Ciclo de vida do Usuário (única casa das transições, ver ``_TRANSICOES``)::

    pendente ──primeiro acesso / redefinição / entrada com gov.br──▶ ativo
    pendente | ativo ──bloqueio (administração)──▶ bloqueado
    bloqueado ──desbloqueio (administração)──▶ ativo (ou pendente, se nunca ativou)
    pendente ──inscrição não ativada com o link vencido (rotina)──▶ expirada (CPF liberado)

Cada função roda numa transação, trava a linha que muda, grava auditoria e deixa
os e-mails na caixa de saída (enviados depois do commit).
"""

import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.urls import reverse
from django.utils import timezone
from django.utils.http import int_to_base36

from cagec.core.models import EmailSaida, RegistroAuditoria, TokenAcesso
from cagec.lib import copia, fila
from cagec.lib.auditoria import montar, registrar, registrar_em_massa
from cagec.lib.documentos import mascarar_cpf, normalizar_cpf
from cagec.lib.emails import enfileirar_email, limite_por_destinatario_atingido
from cagec.lib.erros import ErroDeDominio

from . import ganchos, selectors, tasks
from .autenticacao import chave_do_cpf
from .models import AceiteTermo, PedidoRecuperacao, TermoUso, Usuario

log = logging.getLogger(__name__)
Situacao = Usuario.Situacao
Finalidade = TokenAcesso.Finalidade

_TRANSICOES: dict[str, set[str]] = {
    Situacao.PENDENTE: {Situacao.ATIVO, Situacao.BLOQUEADO, Situacao.EXPIRADA},
    Situacao.ATIVO: {Situacao.BLOQUEADO},
    Situacao.BLOQUEADO: {Situacao.ATIVO, Situacao.PENDENTE},
    Situacao.EXPIRADA: set(),
}

CACHE_TERMO_VIGENTE = "accounts:termo_vigente"


class ErroDeContas(ErroDeDominio):
    """Recusa de um serviço de contas (situação da conta, links, CPF, cotas)."""


class TransicaoInvalida(ErroDeContas):
    """Mudança de situação da conta fora da tabela ou em hora errada."""


class TokenInvalido(ErroDeContas):
    """Link inexistente, expirado ou já usado."""

    mensagem_padrao = "Este link é inválido, expirou ou já foi usado."


class CotaEsgotada(ErroDeContas):
    """A conta já fez hoje todas as buscas por CPF de outra pessoa que o portal permite."""


# Busca de uma conta pelo CPF digitado por outra pessoa (indicação de RL ou de RI).
ACAO_BUSCA_PESSOA = "usuario.busca_por_cpf"


def _transicionar(
    usuario: Usuario,
    para: str,
    *,
    ator: Usuario | None = None,
    ip: str | None = None,
    motivo: str = "",
) -> None:
    """Aplica uma transição permitida da tabela; recusa qualquer outra."""
    de = usuario.situacao
    if para not in _TRANSICOES[de]:
        raise TransicaoInvalida(f"Transição de {de} para {para} não permitida.")
    Usuario.objects.filter(pk=usuario.pk).update(
        situacao=para,
        is_active=para not in (Situacao.BLOQUEADO, Situacao.EXPIRADA),
        updated_at=timezone.now(),
    )
    usuario.refresh_from_db(fields=["situacao", "is_active", "updated_at"])
    registrar(
        f"usuario.{para}",
        objeto=usuario,
        ator=ator,
        ip=ip,
        descricao=motivo,
        antes={"situacao": de},
        depois={"situacao": para},
    )


def _hash(token: str) -> str:
    return TokenAcesso.hash_de(token)


def _emitir_token(
    usuario: Usuario, finalidade: str, validade: timedelta, dados: dict[str, Any] | None = None
) -> TokenAcesso:
    """Cria um token de uso único e invalida os anteriores da mesma finalidade.

    O token nasce sem segredo conhecido: o e-mail que o leva guarda só a referência e o
    segredo é sorteado na entrega (``TokenAcesso.gerar_segredo``).
    """
    agora = timezone.now()
    TokenAcesso.objects.filter(usuario=usuario, finalidade=finalidade, usado_em=None).update(
        usado_em=agora
    )
    return TokenAcesso.objects.create(
        usuario=usuario,
        finalidade=finalidade,
        token_hash=TokenAcesso.hash_sem_segredo(),
        dados=dados or {},
        expira_em=agora + validade,
    )


# Links por e-mail que dão poder sobre a conta: trocar a senha ou o e-mail os encerra.
LINKS_DA_CONTA = (Finalidade.PRIMEIRO_ACESSO, Finalidade.RECUPERACAO_SENHA, Finalidade.TROCA_EMAIL)


def _invalidar_links(usuario: Usuario, finalidades: Sequence[str] = LINKS_DA_CONTA) -> int:
    """Gasta os links ainda abertos de ``usuario`` nessas finalidades (senha ou e-mail mudou).

    Um link de recuperação ou de troca de e-mail pedido antes (talvez por quem tinha a senha
    antiga ou a caixa de e-mail antiga) não pode valer depois da mudança.
    """
    return TokenAcesso.objects.filter(
        usuario=usuario, finalidade__in=finalidades, usado_em=None
    ).update(usado_em=timezone.now())


def buscar_token(bruto: str, finalidade: str, *, travar: bool = False) -> TokenAcesso:
    """O token utilizável correspondente, ou ``TokenInvalido``."""
    qs = TokenAcesso.objects.select_related("usuario")
    if travar:
        qs = qs.select_for_update()
    token = qs.filter(token_hash=_hash(bruto or ""), finalidade=finalidade).first()
    if token is None or not token.utilizavel:
        raise TokenInvalido
    return token


def _link(nome_url: str) -> str:
    """O link com o marcador no lugar do token (trocado só na mensagem enviada)."""
    base: str = settings.PORTAL_URL_BASE
    return base + reverse(nome_url, args=[TokenAcesso.MARCADOR])


# --- Inscrição e primeiro acesso ---------------------------------------------------------


def inscrever(*, cpf: str, nome: str, email: str, telefone: str, ip: str | None = None) -> None:
    """Inscrição de um novo usuário; não revela se o CPF já existia.

    CPF novo: cria a conta *pendente* e envia o link de primeiro acesso ao e-mail digitado.
    CPF existente: nada é criado; o e-mail cadastrado recebe o aviso de tentativa. Duas
    inscrições simultâneas do mesmo CPF: a restrição única decide e a segunda vira aviso.
    """
    cpf = normalizar_cpf(cpf)
    try:
        with transaction.atomic():
            usuario = Usuario.objects.create_user(
                cpf, nome=nome, email=email, telefone=telefone, origem=Usuario.Origem.INSCRICAO
            )
            registrar("usuario.inscricao", objeto=usuario, ip=ip, descricao="Inscrição no portal")
            _enviar_link_primeiro_acesso(usuario, evento="primeiro_acesso", limitar=True, ip=ip)
            return
    except IntegrityError:
        pass
    with transaction.atomic():
        existente = Usuario.objects.select_for_update().get(cpf=cpf)
        registrar(
            "usuario.inscricao_repetida",
            objeto=existente,
            ip=ip,
            descricao="Tentativa de inscrição com CPF já cadastrado",
        )
        if _limite_de_envio("tentativa_inscricao", existente, ip=ip):
            return
        enfileirar_email(
            "tentativa_inscricao",
            existente.email,
            {
                "usuario": existente,
                "link_recuperacao": settings.PORTAL_URL_BASE + reverse("accounts:recuperar_senha"),
            },
            usuario=existente,
        )


def _limite_de_envio(evento: str, usuario: Usuario, *, ip: str | None = None) -> bool:
    """O e-mail ``evento`` pedido por uma página pública para ``usuario.email`` passa do
    limite por destinatário? Se passa, não é enviado (a resposta pública não muda): fica na
    trilha da conta e no log. Quem chama trava a linha do usuário (dois pedidos simultâneos
    não passam juntos do limite)."""
    if not limite_por_destinatario_atingido(evento, usuario.email):
        return False
    log.warning("E-mail %s para %s não enviado: limite por destinatário", evento, usuario)
    registrar(
        "email.limite_por_destinatario",
        objeto=usuario,
        ip=ip,
        descricao=f"E-mail “{evento}” não enviado: limite por hora do destinatário atingido",
        depois={"evento": evento, "limite": settings.EMAILS_POR_DESTINATARIO_POR_HORA},
    )
    return True


def _enviar_link_primeiro_acesso(
    usuario: Usuario, *, evento: str, limitar: bool = False, ip: str | None = None
) -> bool:
    """Emite o link e o envia; ``limitar`` (pedido de página pública): respeita o limite por
    destinatário e, no limite, não envia nem troca o link anterior. Devolve se enviou."""
    if limitar and _limite_de_envio(evento, usuario, ip=ip):
        return False
    token = _emitir_token(usuario, Finalidade.PRIMEIRO_ACESSO, settings.PRIMEIRO_ACESSO_VALIDADE)
    horas = int(settings.PRIMEIRO_ACESSO_VALIDADE.total_seconds() // 3600)
    enfileirar_email(
        evento,
        usuario.email,
        {"usuario": usuario, "link": _link("accounts:primeiro_acesso"), "horas": horas},
        usuario=usuario,
        token=token,
    )
    return True


def reenviar_primeiro_acesso(
    usuario: Usuario,
    *,
    ator: Usuario | None = None,
    ip: str | None = None,
    evento: str = "primeiro_acesso",
    limitar: bool = False,
) -> bool:
    """Novo link de primeiro acesso (o anterior deixa de valer). Só para contas pendentes.

    ``limitar=True`` para reenvios pedidos por páginas públicas: respeita o limite de e-mails
    por destinatário (a administração e os convites em lote não têm limite).
    """
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        if usuario.situacao != Situacao.PENDENTE:
            return False
        if not _enviar_link_primeiro_acesso(usuario, evento=evento, limitar=limitar, ip=ip):
            return False
        registrar("usuario.primeiro_acesso_reenviado", objeto=usuario, ator=ator, ip=ip)
    return True


def concluir_primeiro_acesso(
    token_bruto: str, *, cpf: str, senha: str, email: str | None = None, ip: str | None = None
) -> Usuario:
    """Primeiro acesso / validação de cadastro: pendente → ativo com a senha criada.

    A pessoa confirma o CPF (e, se configurado, o e-mail cadastrado). O token é gasto só
    quando tudo confere. Levanta ``TokenInvalido`` ou ``ErroDeContas``.
    """
    with transaction.atomic():
        token = buscar_token(token_bruto, Finalidade.PRIMEIRO_ACESSO, travar=True)
        usuario = Usuario.objects.select_for_update().get(pk=token.usuario_id)
        if normalizar_cpf(cpf) != usuario.cpf:
            raise ErroDeContas(
                "O CPF informado não corresponde ao cadastro deste link.", code="cpf"
            )
        if email is not None and email.strip().lower() != usuario.email.lower():
            raise ErroDeContas("O e-mail informado não é o e-mail cadastrado.", code="email")
        if usuario.situacao != Situacao.PENDENTE:
            raise TokenInvalido
        usuario.set_password(senha)
        usuario.save(update_fields=["password"])
        token.usado_em = timezone.now()
        token.save(update_fields=["usado_em"])
        _invalidar_links(usuario)
        _transicionar(
            usuario, Situacao.ATIVO, ator=usuario, ip=ip, motivo="Primeiro acesso concluído"
        )
    axes_reset(username=chave_do_cpf(usuario.cpf))
    return usuario


# --- Recuperação de senha ----------------------------------------------------------------


def solicitar_recuperacao(*, cpf: str, email: str, ip: str | None = None) -> None:
    """Registra o pedido de /recuperar-senha/; conferir e enviar o link fica para a fila.

    A resposta é sempre a mesma e o trabalho também: com ou sem correspondência de CPF e
    e-mail, o pedido grava uma linha e publica uma task depois do commit (o tempo de resposta
    não revela se o CPF tem conta nem qual é o e-mail dela). Fila fora do ar: a varredura
    periódica processa o pedido.
    """
    with transaction.atomic():
        pedido = PedidoRecuperacao.objects.create(
            cpf=normalizar_cpf(cpf)[:11], email=(email or "").strip()[:254], ip=ip
        )
        transaction.on_commit(lambda: _publicar_recuperacao(pedido.pk))


def _publicar_recuperacao(pedido_id: int) -> None:
    fila.publicar(tasks.processar_pedido_recuperacao, [pedido_id])


def processar_pedido_recuperacao(pedido_id: int) -> bool:
    """Confere um pedido de recuperação e, se CPF e e-mail conferem, envia o link (1 h).

    Roda na fila (idempotente: o pedido é apagado na mesma transação; rodar de novo não faz
    nada). Conta bloqueada pela administração, sem correspondência, pedido com mais de uma
    hora (a pessoa já desistiu) ou limite de e-mails do destinatário: nada é enviado.
    Devolve se enviou.
    """
    with transaction.atomic():
        pedido = (
            PedidoRecuperacao.objects.select_for_update(skip_locked=True)
            .filter(pk=pedido_id)
            .first()
        )
        if pedido is None:
            return False
        pedido.delete()
        if pedido.created_at < timezone.now() - settings.RECUPERACAO_SENHA_VALIDADE:
            log.warning("Pedido de recuperação %s descartado: velho demais", pedido_id)
            return False
        usuario = (
            Usuario.objects.select_for_update()
            .filter(cpf=pedido.cpf, email__iexact=pedido.email)
            .first()
        )
        if usuario is None or usuario.situacao == Situacao.BLOQUEADO:
            log.info("Recuperação pedida sem correspondência para %s", mascarar_cpf(pedido.cpf))
            return False
        if _limite_de_envio("recuperacao_senha", usuario, ip=pedido.ip):
            return False
        token = _emitir_token(
            usuario, Finalidade.RECUPERACAO_SENHA, settings.RECUPERACAO_SENHA_VALIDADE
        )
        enfileirar_email(
            "recuperacao_senha",
            usuario.email,
            {"usuario": usuario, "link": _link("accounts:redefinir_senha")},
            usuario=usuario,
            token=token,
        )
        registrar("usuario.recuperacao_solicitada", objeto=usuario, ip=pedido.ip)
    return True


def processar_pedidos_de_recuperacao_pendentes(
    idade_minima: timedelta = timedelta(seconds=30), limite: int = 500
) -> int:
    """Varredura (beat): pedidos que a fila não processou (Redis ou worker fora do ar)."""
    corte = timezone.now() - idade_minima
    ids = list(
        PedidoRecuperacao.objects.filter(created_at__lte=corte)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limite]
    )
    return sum(processar_pedido_recuperacao(pk) for pk in ids)


def redefinir_senha(token_bruto: str, *, senha: str, ip: str | None = None) -> Usuario:
    """Define a nova senha, gasta o token e desbloqueia a conta (bloqueio por tentativas).

    Uma conta importada que nunca ativou passa a ativa: a recuperação também serve de
    caminho para quem perdeu o convite.
    """
    with transaction.atomic():
        token = buscar_token(token_bruto, Finalidade.RECUPERACAO_SENHA, travar=True)
        usuario = Usuario.objects.select_for_update().get(pk=token.usuario_id)
        if usuario.situacao == Situacao.BLOQUEADO:
            raise TokenInvalido
        usuario.set_password(senha)
        usuario.save(update_fields=["password"])
        token.usado_em = timezone.now()
        token.save(update_fields=["usado_em"])
        _invalidar_links(usuario)
        registrar("usuario.senha_redefinida", objeto=usuario, ator=usuario, ip=ip)
        if usuario.situacao == Situacao.PENDENTE:
            _transicionar(
                usuario, Situacao.ATIVO, ator=usuario, ip=ip, motivo="Ativada pela recuperação"
            )
    axes_reset(username=chave_do_cpf(usuario.cpf))
    return usuario


# --- Termo de uso ------------------------------------------------------------------------


def termo_vigente() -> TermoUso | None:
    """O termo publicado de maior versão (em cache; publicar um novo limpa o cache)."""
    termo = cache.get(CACHE_TERMO_VIGENTE)
    if termo is None:
        termo = (
            TermoUso.objects.filter(publicado_em__lte=timezone.now()).order_by("-versao").first()
        )
        cache.set(CACHE_TERMO_VIGENTE, termo or False, 60)
    return termo or None


def publicar_termo(
    *, titulo: str, texto: str, ator: Usuario | None = None, ip: str | None = None
) -> TermoUso:
    """Publica uma nova versão do termo; todos precisarão aceitá-la no próximo acesso."""
    with transaction.atomic():
        versao = (TermoUso.objects.select_for_update().aggregate(m=Max("versao"))["m"] or 0) + 1
        termo = TermoUso.objects.create(versao=versao, titulo=titulo, texto=texto)
        registrar("termo.publicado", objeto=termo, ator=ator, ip=ip, depois={"versao": versao})
    cache.delete(CACHE_TERMO_VIGENTE)
    return termo


def aceitar_termo(
    usuario: Usuario,
    termo: TermoUso,
    *,
    ip: str | None = None,
    user_agent: str = "",
    pelo_govbr: bool = False,
) -> AceiteTermo:
    """Registra o aceite da versão ``termo``.

    ``pelo_govbr``: a sessão foi aberta pelo gov.br; uma conta importada ainda pendente
    fica ativa neste aceite (``ativar_pelo_govbr``), não no login.
    """
    with transaction.atomic():
        aceite, criado = AceiteTermo.objects.get_or_create(
            usuario=usuario, termo=termo, defaults={"ip": ip, "user_agent": user_agent[:300]}
        )
        if criado:
            registrar(
                "termo.aceito",
                objeto=usuario,
                ator=usuario,
                ip=ip,
                depois={"versao": termo.versao},
            )
        if pelo_govbr and usuario.situacao == Situacao.PENDENTE:
            usuario.situacao = ativar_pelo_govbr(usuario, ip=ip).situacao
    return aceite


# --- Minha conta -------------------------------------------------------------------------


def atualizar_dados(usuario: Usuario, *, nome: str, telefone: str, ip: str | None = None) -> bool:
    with transaction.atomic():
        atual = Usuario.objects.select_for_update().get(pk=usuario.pk)
        antes = {"nome": atual.nome, "telefone": atual.telefone}
        depois = {"nome": nome, "telefone": telefone}
        if antes == depois:
            return False
        Usuario.objects.filter(pk=usuario.pk).update(**depois, updated_at=timezone.now())
        registrar(
            "usuario.dados_alterados", objeto=atual, ator=usuario, ip=ip, antes=antes, depois=depois
        )
        if antes["nome"] != nome:
            ganchos.nome_alterado(usuario)  # o nome do RL sai no CRC (``parceiros``)
    usuario.refresh_from_db()
    return True


def alterar_senha(usuario: Usuario, *, nova_senha: str, ip: str | None = None) -> None:
    """Troca a senha de quem já confirmou a atual (o formulário confere).

    Os links de recuperação, primeiro acesso e troca de e-mail ainda abertos deixam de
    valer; as outras sessões caem pelo hash da senha na sessão (só a atual é renovada).
    """
    with transaction.atomic():
        usuario.set_password(nova_senha)
        usuario.save(update_fields=["password"])
        _invalidar_links(usuario)
        registrar("usuario.senha_alterada", objeto=usuario, ator=usuario, ip=ip)
        enfileirar_email("senha_alterada", usuario.email, {"usuario": usuario}, usuario=usuario)


def _exigir_envio_de_confirmacao(novo_email: str) -> None:
    """Um endereço digitado por alguém não recebe confirmações sem fim (bombardeio de e-mail):
    o limite por destinatário vale também para a troca e a definição do e-mail."""
    if limite_por_destinatario_atingido("troca_email_confirmacao", novo_email):
        raise ErroDeContas(
            "Este endereço já recebeu o número máximo de links de confirmação na última hora. "
            "Abra o link que chegou ou tente de novo mais tarde.",
            code="limite_email",
        )


def solicitar_troca_email(usuario: Usuario, *, novo_email: str, ip: str | None = None) -> None:
    """Envia a confirmação ao novo endereço e o aviso ao antigo; nada muda até confirmar."""
    _exigir_envio_de_confirmacao(novo_email)
    with transaction.atomic():
        token = _emitir_token(
            usuario,
            Finalidade.TROCA_EMAIL,
            settings.TROCA_EMAIL_VALIDADE,
            {"novo_email": novo_email},
        )
        ctx = {"usuario": usuario, "novo_email": novo_email}
        enfileirar_email(
            "troca_email_confirmacao",
            novo_email,
            {**ctx, "link": _link("accounts:confirmar_email")},
            usuario=usuario,
            token=token,
        )
        enfileirar_email("troca_email_aviso", usuario.email, ctx, usuario=usuario)
        registrar(
            "usuario.troca_email_solicitada",
            objeto=usuario,
            ator=usuario,
            ip=ip,
            depois={"novo_email": novo_email},
        )


def confirmar_troca_email(token_bruto: str, *, ip: str | None = None) -> Usuario:
    """Aplica o novo e-mail; links enviados ao endereço antigo (recuperação, primeiro acesso)
    e outras trocas pendentes deixam de valer."""
    with transaction.atomic():
        token = buscar_token(token_bruto, Finalidade.TROCA_EMAIL, travar=True)
        usuario = Usuario.objects.select_for_update().get(pk=token.usuario_id)
        antigo, novo = usuario.email, token.dados["novo_email"]
        Usuario.objects.filter(pk=usuario.pk).update(email=novo, updated_at=timezone.now())
        token.usado_em = timezone.now()
        token.save(update_fields=["usado_em"])
        _invalidar_links(usuario)
        registrar(
            "usuario.email_alterado",
            objeto=usuario,
            ator=usuario,
            ip=ip,
            antes={"email": antigo},
            depois={"email": novo},
        )
    usuario.refresh_from_db()
    return usuario


# --- Carga em massa (importação do sistema anterior) ---------------------------------------


def senha_inutilizavel() -> str:
    """A marca de ``make_password(None)`` (``!`` + 40 aleatórios) sem passar por hasher.

    ``make_password(None)`` custa ~50 µs (``get_random_string`` caractere a caractere):
    5 s em 100 000 linhas. ``token_urlsafe`` dá o mesmo tamanho e aleatoriedade.
    """
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def criar_pendentes_em_massa(
    pessoas: Iterable[tuple[str, str, str, str]], *, agora: datetime | None = None
) -> dict[str, int]:
    """Cria de uma vez (COPY no PostgreSQL) as contas *pendentes* de uma carga do Estado.

    ``pessoas``: tuplas (cpf, nome, email, telefone) de CPFs ainda sem conta. Nenhuma senha é
    calculada (marca inutilizável): a conta fica pendente até o primeiro acesso. O registro
    do sistema anterior do Estado vale pela confirmação do CPF. Devolve {cpf: pk}.
    """
    pessoas = list(pessoas)
    if not pessoas:
        return {}
    agora = agora or timezone.now()
    copia.inserir(
        Usuario,
        (
            *("cpf", "nome", "email", "telefone", "situacao", "origem", "password"),
            *("created_at", "cpf_confirmado_em", "cpf_confirmado_por"),
        ),
        (
            (cpf, nome, email, telefone, Situacao.PENDENTE.value, Usuario.Origem.IMPORTACAO.value)
            + (senha_inutilizavel(), agora, agora, Usuario.ConfirmacaoCPF.IMPORTACAO.value)
            for cpf, nome, email, telefone in pessoas
        ),
    )
    return dict(Usuario.objects.filter(cpf__in=[p[0] for p in pessoas]).values_list("cpf", "pk"))


def atualizar_pendentes_em_massa(
    alteracoes: Sequence[tuple[Any, ...]],
    *,
    ator: Usuario | None = None,
    descricao: str = "",
    agora: datetime | None = None,
    ip: str | None = None,
) -> int:
    """Atualiza nome, e-mail e telefone de contas ainda *pendentes* vindos de uma carga.

    ``alteracoes``: (pk, antes, depois), cada um um dict com nome, email e telefone. Conta já
    ativada ou bloqueada não muda (os dados são da pessoa, não do arquivo): as linhas são
    travadas e só as que continuam pendentes são gravadas, com auditoria
    ``usuario.importacao_atualizado`` (antes/depois). Devolve quantas mudaram.
    """
    alteracoes = list(alteracoes)
    if not alteracoes:
        return 0
    agora = agora or timezone.now()
    with transaction.atomic():
        pendentes = set(
            Usuario.objects.select_for_update()
            .filter(pk__in=[pk for pk, _, _ in alteracoes], situacao=Situacao.PENDENTE)
            .values_list("pk", flat=True)
        )
        alteracoes = [a for a in alteracoes if a[0] in pendentes]
        objetos = [Usuario(pk=pk, updated_at=agora, **depois) for pk, _, depois in alteracoes]
        Usuario.objects.bulk_update(
            objetos, ["nome", "email", "telefone", "updated_at"], batch_size=500
        )
        registrar_em_massa(
            [
                montar(
                    "usuario.importacao_atualizado",
                    objeto=objeto,
                    ator=ator,
                    descricao=descricao,
                    antes=antes,
                    depois=depois,
                    ip=ip,
                )
                for objeto, (_, antes, depois) in zip(objetos, alteracoes, strict=True)
            ]
        )
    return len(objetos)


# --- Administração -----------------------------------------------------------------------


def cadastrar_pela_administracao(
    usuario: Usuario, *, ator: Usuario | None = None, ip: str | None = None
) -> Usuario:
    """Conta criada no admin: pendente, sem senha; a pessoa cria a senha pelo link enviado."""
    with transaction.atomic():
        usuario.set_unusable_password()
        usuario.origem = Usuario.Origem.ADMINISTRACAO
        # Quem cadastra no admin conferiu a identidade da pessoa (e responde por isso).
        usuario.cpf_confirmado_em = timezone.now()
        usuario.cpf_confirmado_por = Usuario.ConfirmacaoCPF.ADMINISTRACAO
        usuario.save()
        registrar("usuario.cadastro_administracao", objeto=usuario, ator=ator, ip=ip)
        _enviar_link_primeiro_acesso(usuario, evento="primeiro_acesso")
    return usuario


def alterar_pela_administracao(
    usuario: Usuario,
    antes: dict[str, Any],
    depois: dict[str, Any],
    *,
    ator: Usuario | None = None,
    ip: str | None = None,
) -> Usuario:
    """Grava a edição da conta feita no admin, com antes/depois dos campos alterados.

    ``antes``/``depois`` vêm do formulário do admin (valores iniciais e limpos dos campos
    em ``changed_data``); grupos e permissões entram como listas de nomes. Senha, nunca.
    """
    campos = [c for c in depois if c != "password"]
    with transaction.atomic():
        usuario.save()
        if campos:
            registrar(
                "usuario.alterado_pela_administracao",
                objeto=usuario,
                ator=ator,
                ip=ip,
                descricao=", ".join(campos),
                antes={c: _texto(antes.get(c)) for c in campos},
                depois={c: _texto(depois.get(c)) for c in campos},
            )
    return usuario


def _texto(valor: Any) -> str | list[str]:
    if hasattr(valor, "all"):  # relação muitos-para-muitos (grupos, permissões)
        valor = valor.all()
    if isinstance(valor, (list, tuple)) or hasattr(valor, "model"):
        return sorted(str(v) for v in valor)
    return "" if valor is None else str(valor)


def desbloquear(usuario: Usuario, *, ator: Usuario | None = None, ip: str | None = None) -> Usuario:
    """Libera o bloqueio por tentativas e, se houver, o bloqueio administrativo."""
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        axes_reset(username=chave_do_cpf(usuario.cpf))
        if usuario.situacao == Situacao.BLOQUEADO:
            volta = Situacao.ATIVO if usuario.has_usable_password() else Situacao.PENDENTE
            _transicionar(usuario, volta, ator=ator, ip=ip, motivo="Desbloqueio pela administração")
        else:
            registrar("usuario.tentativas_zeradas", objeto=usuario, ator=ator, ip=ip)
    return usuario


def bloquear(
    usuario: Usuario, *, ator: Usuario | None = None, ip: str | None = None, motivo: str = ""
) -> Usuario:
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        if usuario.situacao == Situacao.BLOQUEADO:
            return usuario
        _transicionar(usuario, Situacao.BLOQUEADO, ator=ator, ip=ip, motivo=motivo or "Bloqueio")
    return usuario


def entrar_pelo_govbr(usuario: Usuario, *, ip: str | None = None) -> Usuario:
    """O gov.br autenticou ``usuario``: pode abrir a sessão? (``TransicaoInvalida`` se não)

    Conta bloqueada: recusada. Conta pendente (importada, convite ainda não usado): entra
    pendente e é ativada quando aceitar o termo vigente (``aceitar_termo(pelo_govbr=True)``);
    sem termo a aceitar, é ativada já.
    """
    if usuario.situacao == Situacao.BLOQUEADO or not usuario.is_active:
        raise TransicaoInvalida("Conta bloqueada pela administração.")
    if usuario.situacao == Situacao.PENDENTE:
        termo = termo_vigente()
        if termo is None or usuario.aceites.filter(termo=termo).exists():
            return ativar_pelo_govbr(usuario, ip=ip)
    return usuario


def ativar_pelo_govbr(usuario: Usuario, *, ip: str | None = None) -> Usuario:
    """Pendente → ativo pela validação do gov.br (chamado no aceite do termo).

    O gov.br já comprovou que a pessoa é dona do CPF, o que vale pela validação de cadastro
    do convite; os links de primeiro acesso ainda abertos deixam de valer (a conta segue sem
    senha local até a pessoa criar uma em Minha conta). Conta já ativa: nada muda. Conta
    bloqueada: ``TransicaoInvalida``.
    """
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        if usuario.situacao == Situacao.BLOQUEADO:
            raise TransicaoInvalida("Conta bloqueada pela administração.")
        if usuario.situacao == Situacao.PENDENTE:
            TokenAcesso.objects.filter(
                usuario=usuario, finalidade=Finalidade.PRIMEIRO_ACESSO, usado_em=None
            ).update(usado_em=timezone.now())
            _transicionar(
                usuario, Situacao.ATIVO, ator=usuario, ip=ip, motivo="Ativada pelo gov.br"
            )
    return usuario


def registrar_login(usuario: Usuario, *, ip: str | None = None, metodo: str = "senha") -> None:
    registrar("usuario.login", objeto=usuario, ator=usuario, ip=ip, depois={"metodo": metodo})


def registrar_logout(usuario: Usuario | None, *, ip: str | None = None) -> None:
    registrar("usuario.logout", objeto=usuario, ator=usuario, ip=ip)


def registrar_sessao_encerrada_por_bloqueio(usuario: Usuario, *, ip: str | None = None) -> None:
    """A senha redigitada em Minha conta bloqueou o CPF (ou ele já estava bloqueado): a view
    encerra a sessão; fica na trilha e no log (CPF mascarado)."""
    log.warning("Sessão de %s encerrada: CPF bloqueado por tentativas de senha", usuario)
    registrar("usuario.sessao_encerrada_por_bloqueio", objeto=usuario, ator=usuario, ip=ip)


# --- Titularidade do CPF -----------------------------------------------------------------
# A inscrição prova só o e-mail: qualquer pessoa pode digitar o CPF de outra. O CPF fica
# "não confirmado" até o gov.br, a análise dos documentos de identidade do RL ou a
# administração comprovarem o titular; o gov.br e a administração retomam a conta de quem
# a tinha (``_retomar``). Inscrições nunca ativadas expiram com o link e liberam o CPF.
ConfirmacaoCPF = Usuario.ConfirmacaoCPF
# O que a própria conta acumula sozinha; qualquer outra coisa apontando para ela é "dado".
_REGISTROS_DA_CONTA = (TokenAcesso, AceiteTermo, EmailSaida, RegistroAuditoria)


def confirmar_cpf(
    usuario: Usuario,
    *,
    por: str,
    ator: Usuario | None = None,
    ip: str | None = None,
    descricao: str = "",
) -> bool:
    """CPF não confirmado → confirmado (``por``: um ``Usuario.ConfirmacaoCPF``).

    Para a análise dos documentos de identidade do RL: quem enviou os documentos é o
    titular, então e-mail, senha e sessões ficam. Conta já confirmada: nada muda (vale a
    primeira confirmação). Devolve se confirmou agora.
    """
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        if usuario.cpf_confirmado_em is not None:
            return False
        _marcar_cpf_confirmado(usuario, por, ator=ator, ip=ip, descricao=descricao)
    return True


def confirmar_cpf_pelo_govbr(usuario: Usuario, *, ip: str | None = None) -> bool:
    """O gov.br comprovou o CPF de ``usuario``: não confirmado → confirmado pelo gov.br.

    Até aqui a conta era de quem digitou o CPF na inscrição (e provou só o e-mail); quem
    entrou agora é o titular. A conta é retomada (``_retomar``): sessões, senha, links e
    e-mail anteriores deixam de valer, o endereço antigo é avisado e a pessoa informa o
    próprio e-mail antes de seguir (``EmailObrigatorioMiddleware``). Vínculos com
    organizações ficam. Devolve se houve retomada (conta já confirmada: nada muda).
    """
    if usuario.cpf_confirmado_em is not None:
        return False  # o caso comum, sem travar a linha a cada entrada
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        if usuario.cpf_confirmado_em is not None:
            return False
        _retomar(
            usuario,
            "usuario.cpf_retomado",
            ator=usuario,
            ip=ip,
            motivo="Primeira entrada com gov.br do titular do CPF",
        )
        _marcar_cpf_confirmado(
            usuario, ConfirmacaoCPF.GOVBR, ator=usuario, ip=ip, descricao="gov.br"
        )
    return True


def liberar_cpf(
    usuario: Usuario, *, email: str, motivo: str, ator: Usuario, ip: str | None = None
) -> Usuario:
    """Administração, depois de conferir fora do portal a identidade do titular do CPF.

    A mesma retomada do gov.br (sessões, senha, links e e-mail anteriores revogados, aviso
    ao endereço antigo, auditoria com o motivo); o e-mail passa a ser o conferido, o CPF
    fica confirmado pela administração e o titular recebe nele um link para criar a senha
    (válido como o do primeiro acesso). Recusa (``TransicaoInvalida``) conta confirmada pelo
    gov.br (já está com o titular), bloqueada ou expirada; motivo vazio: ``ErroDeContas``.
    """
    motivo = (motivo or "").strip()
    if not motivo:
        raise ErroDeContas("Informe o motivo da liberação.", code="motivo")
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        if usuario.cpf_confirmado_por == ConfirmacaoCPF.GOVBR:
            raise TransicaoInvalida(
                f"{usuario}: o CPF foi confirmado pelo gov.br, a conta já está com o titular."
            )
        if usuario.situacao in (Situacao.BLOQUEADO, Situacao.EXPIRADA):
            raise TransicaoInvalida(
                f"{usuario}: conta {usuario.get_situacao_display().lower()}; "
                "desbloqueie antes de liberar o CPF."
                if usuario.situacao == Situacao.BLOQUEADO
                else f"{usuario}: inscrição expirada, o CPF já está livre."
            )
        _retomar(usuario, "usuario.cpf_liberado", ator=ator, ip=ip, motivo=motivo, novo_email=email)
        _marcar_cpf_confirmado(
            usuario, ConfirmacaoCPF.ADMINISTRACAO, ator=ator, ip=ip, descricao=motivo
        )
        validade = settings.PRIMEIRO_ACESSO_VALIDADE
        token = _emitir_token(usuario, Finalidade.RECUPERACAO_SENHA, validade)
        enfileirar_email(
            "cpf_liberado",
            email,
            {
                "usuario": usuario,
                "link": _link("accounts:redefinir_senha"),
                "horas": int(validade.total_seconds() // 3600),
            },
            usuario=usuario,
            token=token,
        )
    return usuario


def _marcar_cpf_confirmado(
    usuario: Usuario, por: str, *, ator: Usuario | None, ip: str | None, descricao: str
) -> None:
    agora = timezone.now()
    Usuario.objects.filter(pk=usuario.pk).update(
        cpf_confirmado_em=agora, cpf_confirmado_por=por, updated_at=agora
    )
    usuario.cpf_confirmado_em, usuario.cpf_confirmado_por = agora, por
    registrar(
        "usuario.cpf_confirmado",
        objeto=usuario,
        ator=ator,
        ip=ip,
        descricao=descricao,
        depois={"por": por},
    )


def _retomar(
    usuario: Usuario,
    acao: str,
    *,
    ator: Usuario,
    ip: str | None,
    motivo: str,
    novo_email: str = "",
) -> None:
    """Tira a conta (já travada) de quem a tinha; a auditoria mostra o que ele tinha e fez.

    Sessões apagadas, senha inutilizada (o que também invalida qualquer sessão que escape),
    links por e-mail revogados, e-mail trocado por ``novo_email`` (vazio: a pessoa informa o
    seu). O registro ``acao`` guarda o e-mail antigo, desde quando a conta existia, a última
    entrada e quantas vezes cada ação foi feita pela conta ou sobre ela até aqui, para a
    equipe e o titular (Minha conta) verem o que pode ter sido feito em nome dele. O
    endereço antigo é avisado.
    """
    agora = timezone.now()
    antigo, tinha_senha = usuario.email, usuario.has_usable_password()
    acoes = dict(
        RegistroAuditoria.objects.filter(Q(ator=usuario) | Q(usuario_afetado=usuario))
        .values_list("acao")
        .annotate(total=Count("id"))
        .order_by()
    )
    sessoes = _encerrar_sessoes(usuario)
    links = TokenAcesso.objects.filter(usuario=usuario, usado_em=None).update(usado_em=agora)
    usuario.set_unusable_password()
    usuario.email = novo_email
    usuario.save(update_fields=["password", "email", "updated_at"])
    registrar(
        acao,
        objeto=usuario,
        ator=ator,
        ip=ip,
        descricao=motivo,
        antes={
            "email": antigo,
            "tinha_senha": tinha_senha,
            "situacao": usuario.situacao,
            "conta_criada_em": usuario.created_at.isoformat(),
            "ultima_entrada": usuario.last_login.isoformat() if usuario.last_login else None,
            "acoes_ate_aqui": acoes,
        },
        depois={"email": novo_email, "sessoes_encerradas": sessoes, "links_revogados": links},
    )
    if antigo:
        enfileirar_email(
            "cpf_retomado",
            antigo,
            {"usuario": usuario, "email_antigo": antigo, "pela_administracao": bool(novo_email)},
            usuario=usuario,
        )


def _encerrar_sessoes(usuario: Usuario) -> int:
    """Apaga as sessões abertas de ``usuario`` (backends db e cached_db); devolve quantas.

    As sessões não guardam o usuário numa coluna: percorre as não vencidas (no máximo 12 h
    de logins) e decodifica cada uma. É raro (retomada de conta), então vale a simplicidade.
    """
    loja = import_module(settings.SESSION_ENGINE).SessionStore
    alvo = str(usuario.pk)
    chaves = [
        sessao.session_key
        for sessao in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if sessao.get_decoded().get(SESSION_KEY) == alvo
    ]
    for chave in chaves:
        loja(session_key=chave).delete()
    return len(chaves)


def solicitar_definicao_email(usuario: Usuario, *, novo_email: str, ip: str | None = None) -> None:
    """Conta sem e-mail (retomada pelo titular): envia o link de confirmação ao endereço.

    Nada muda até a pessoa abrir o link (``confirmar_troca_email``, o mesmo da troca). Não
    há endereço antigo a avisar.
    """
    _exigir_envio_de_confirmacao(novo_email)
    with transaction.atomic():
        token = _emitir_token(
            usuario,
            Finalidade.TROCA_EMAIL,
            settings.TROCA_EMAIL_VALIDADE,
            {"novo_email": novo_email},
        )
        enfileirar_email(
            "troca_email_confirmacao",
            novo_email,
            {
                "usuario": usuario,
                "novo_email": novo_email,
                "link": _link("accounts:confirmar_email"),
            },
            usuario=usuario,
            token=token,
        )
        registrar(
            "usuario.definicao_email_solicitada",
            objeto=usuario,
            ator=usuario,
            ip=ip,
            depois={"novo_email": novo_email},
        )


def inscricoes_a_expirar(agora: datetime | None = None) -> QuerySet[Usuario]:
    """Inscrições pelo portal nunca ativadas, sem CPF confirmado e sem link que ainda valha."""
    agora = agora or timezone.now()
    link_valido = TokenAcesso.objects.filter(
        usuario=OuterRef("pk"), usado_em=None, expira_em__gt=agora
    )
    return Usuario.objects.filter(
        origem=Usuario.Origem.INSCRICAO,
        situacao=Situacao.PENDENTE,
        cpf_confirmado_em=None,
        last_login=None,
        created_at__lte=agora - settings.PRIMEIRO_ACESSO_VALIDADE,
    ).exclude(Exists(link_valido))


def expirar_inscricoes(*, agora: datetime | None = None) -> int:
    """Rotina (beat e ``manage.py expirar_inscricoes``): expira as inscrições vencidas."""
    pks = list(inscricoes_a_expirar(agora).values_list("pk", flat=True))
    return sum(expirar_inscricao(Usuario(pk=pk), agora=agora) for pk in pks)


def expirar_inscricao(usuario: Usuario, *, agora: datetime | None = None) -> bool:
    """pendente → expirada: a inscrição não ativada no prazo do link libera o CPF.

    Só para ``inscricoes_a_expirar`` sem outros dados ligados à conta (vínculo, solicitação,
    grupo…). A linha não é apagada: a auditoria (somente inclusão, chaves PROTECT) continua
    apontando para ela. É anonimizada: o CPF vira um marcador que nunca é um CPF (``x`` +
    id), nome, e-mail e telefone somem, a senha fica inutilizável e os links, revogados.
    A auditoria da expiração guarda o CPF mascarado. Devolve se expirou.
    """
    with transaction.atomic():
        travado = inscricoes_a_expirar(agora).select_for_update().filter(pk=usuario.pk).first()
        if travado is None or _tem_outros_dados(travado):
            return False
        usuario = travado
        motivo = (
            f"Inscrição do CPF {usuario.cpf_mascarado} não ativada no prazo do link: CPF liberado"
        )
        TokenAcesso.objects.filter(usuario=usuario, usado_em=None).update(usado_em=timezone.now())
        Usuario.objects.filter(pk=usuario.pk).update(
            cpf=f"x{int_to_base36(usuario.pk)}",
            nome="Inscrição expirada",
            email="",
            telefone="",
            password=make_password(None),
        )
        usuario.refresh_from_db()
        _transicionar(usuario, Situacao.EXPIRADA, motivo=motivo)
    return True


def _tem_outros_dados(usuario: Usuario) -> bool:
    """Algo além dos registros da própria conta aponta para ``usuario``?"""
    for campo in Usuario._meta.get_fields(include_hidden=True):
        if not campo.auto_created or campo.concrete or not isinstance(campo, ForeignObjectRel):
            continue  # só relações reversas (de outros modelos para Usuario)
        if campo.related_model in _REGISTROS_DA_CONTA:
            continue
        if campo.related_model._base_manager.filter(**{campo.field.name: usuario}).exists():
            return True
    return False


# --- Buscas por CPF de outra pessoa (cota diária e auditoria) --------------------------------
def exigir_cota_diaria(acao: str, limite: int, *, ator: Usuario, mensagem: str) -> None:
    """Recusa com ``CotaEsgotada`` se ``ator`` já fez ``acao`` ``limite`` vezes hoje.

    Chamada dentro da transação de quem grava a busca: trava a linha da conta, então duas
    abas ou dois processos ao mesmo tempo não passam da cota.
    """
    Usuario.objects.select_for_update().filter(pk=ator.pk).values_list("pk").first()
    if selectors.acoes_de_hoje(ator, acao) >= limite:
        raise CotaEsgotada(mensagem, code="cota")


def buscar_pessoa_por_cpf(
    cpf: str, *, ator: Usuario, finalidade: str, ip: str | None = None
) -> Usuario | None:
    """A conta ativa com este CPF (ou ``None``), para indicar um RL ou incluir um RI.

    Cada busca conta na cota diária ``BUSCA_PESSOA_LIMITE_DIARIO`` de quem busca (recusa
    com ``CotaEsgotada``) e grava a auditoria com o CPF mascarado, achando ou não: quem
    busca não pode testar CPFs em massa para saber quem tem conta. Commit próprio: a busca
    conta mesmo que o passo seguinte falhe.
    """
    limite = settings.BUSCA_PESSOA_LIMITE_DIARIO
    with transaction.atomic():
        exigir_cota_diaria(
            ACAO_BUSCA_PESSOA,
            limite,
            ator=ator,
            mensagem=f"Você já fez as {limite} buscas de pessoas por CPF permitidas por dia. "
            "Nada foi alterado; tente de novo amanhã ou peça à equipe do CAGEC.",
        )
        pessoa = Usuario.objects.filter(cpf=normalizar_cpf(cpf), situacao=Situacao.ATIVO).first()
        registrar(
            "usuario.busca_por_cpf",
            ator=ator,
            usuario_afetado=pessoa,
            ip=ip,
            descricao=f"{finalidade}: CPF {mascarar_cpf(cpf)}",
            depois={"encontrada": pessoa is not None},
        )
    return pessoa
