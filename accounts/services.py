"""Toda mudança de estado de uma conta passa por aqui.

Ciclo de vida do Usuário (única casa das transições, ver ``_TRANSICOES``)::

    pendente ──primeiro acesso / redefinição / entrada com gov.br──▶ ativo
    pendente | ativo ──bloqueio (administração)──▶ bloqueado
    bloqueado ──desbloqueio (administração)──▶ ativo (ou pendente, se nunca ativou)

Cada função roda numa transação, trava a linha que muda, grava auditoria e deixa
os e-mails na caixa de saída (enviados depois do commit).
"""

import hashlib
import logging
import secrets

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from cagec.lib.auditoria import registrar
from cagec.lib.documentos import mascarar_cpf, normalizar_cpf
from cagec.lib.emails import enfileirar_email

from . import selectors
from .models import AceiteTermo, TermoUso, TokenAcesso, Usuario

log = logging.getLogger(__name__)
S = Usuario.Situacao
F = TokenAcesso.Finalidade

_TRANSICOES = {
    S.PENDENTE: {S.ATIVO, S.BLOQUEADO},
    S.ATIVO: {S.BLOQUEADO},
    S.BLOQUEADO: {S.ATIVO, S.PENDENTE},
}

CACHE_TERMO_VIGENTE = "accounts:termo_vigente"


class TransicaoInvalida(Exception):
    pass


class TokenInvalido(Exception):
    """Link inexistente, expirado ou já usado."""


class CotaEsgotada(ValidationError):
    """A conta já fez hoje todas as buscas por CPF de outra pessoa que o portal permite."""


# Busca de uma conta pelo CPF digitado por outra pessoa (indicação de RL ou de RI).
ACAO_BUSCA_PESSOA = "usuario.busca_por_cpf"


def _transicionar(usuario, para, *, ator=None, ip=None, motivo=""):
    """Aplica uma transição permitida da tabela; recusa qualquer outra."""
    de = usuario.situacao
    if para not in _TRANSICOES[de]:
        raise TransicaoInvalida(f"Transição de {de} para {para} não permitida.")
    Usuario.objects.filter(pk=usuario.pk).update(
        situacao=para, is_active=(para != S.BLOQUEADO), updated_at=timezone.now()
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
    return hashlib.sha256(token.encode()).hexdigest()


def _emitir_token(usuario, finalidade, validade, dados=None) -> str:
    """Cria um token de uso único e invalida os anteriores da mesma finalidade."""
    agora = timezone.now()
    TokenAcesso.objects.filter(usuario=usuario, finalidade=finalidade, usado_em=None).update(
        usado_em=agora
    )
    bruto = secrets.token_urlsafe(32)
    TokenAcesso.objects.create(
        usuario=usuario,
        finalidade=finalidade,
        token_hash=_hash(bruto),
        dados=dados or {},
        expira_em=agora + validade,
    )
    return bruto


def buscar_token(bruto: str, finalidade, *, travar=False):
    """O token utilizável correspondente, ou ``TokenInvalido``."""
    qs = TokenAcesso.objects.select_related("usuario")
    if travar:
        qs = qs.select_for_update()
    token = qs.filter(token_hash=_hash(bruto or ""), finalidade=finalidade).first()
    if token is None or not token.utilizavel:
        raise TokenInvalido
    return token


def _link(nome_url, token):
    return settings.PORTAL_URL_BASE + reverse(nome_url, args=[token])


# --- Inscrição e primeiro acesso ---------------------------------------------------------


def inscrever(*, cpf, nome, email, telefone, ip=None):
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
            _enviar_link_primeiro_acesso(usuario, evento="primeiro_acesso")
            return
    except IntegrityError:
        pass
    with transaction.atomic():
        existente = Usuario.objects.get(cpf=cpf)
        registrar(
            "usuario.inscricao_repetida",
            objeto=existente,
            ip=ip,
            descricao="Tentativa de inscrição com CPF já cadastrado",
        )
        enfileirar_email(
            "tentativa_inscricao",
            existente.email,
            {
                "usuario": existente,
                "link_recuperacao": settings.PORTAL_URL_BASE + reverse("accounts:recuperar_senha"),
            },
            usuario=existente,
        )


def _enviar_link_primeiro_acesso(usuario, *, evento):
    token = _emitir_token(usuario, F.PRIMEIRO_ACESSO, settings.PRIMEIRO_ACESSO_VALIDADE)
    horas = int(settings.PRIMEIRO_ACESSO_VALIDADE.total_seconds() // 3600)
    enfileirar_email(
        evento,
        usuario.email,
        {"usuario": usuario, "link": _link("accounts:primeiro_acesso", token), "horas": horas},
        usuario=usuario,
    )


def reenviar_primeiro_acesso(usuario, *, ator=None, ip=None, evento="primeiro_acesso"):
    """Novo link de primeiro acesso (o anterior deixa de valer). Só para contas pendentes."""
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        if usuario.situacao != S.PENDENTE:
            return False
        _enviar_link_primeiro_acesso(usuario, evento=evento)
        registrar("usuario.primeiro_acesso_reenviado", objeto=usuario, ator=ator, ip=ip)
    return True


def concluir_primeiro_acesso(token_bruto, *, cpf, senha, email=None, ip=None):
    """Primeiro acesso / validação de cadastro: pendente → ativo com a senha criada.

    A pessoa confirma o CPF (e, se configurado, o e-mail cadastrado). O token é gasto só
    quando tudo confere. Levanta ``TokenInvalido`` ou ``ValidationError``.
    """
    with transaction.atomic():
        token = buscar_token(token_bruto, F.PRIMEIRO_ACESSO, travar=True)
        usuario = Usuario.objects.select_for_update().get(pk=token.usuario_id)
        if normalizar_cpf(cpf) != usuario.cpf:
            raise ValidationError("O CPF informado não corresponde a este convite.", code="cpf")
        if email is not None and email.strip().lower() != usuario.email.lower():
            raise ValidationError("O e-mail informado não é o e-mail cadastrado.", code="email")
        if usuario.situacao != S.PENDENTE:
            raise TokenInvalido
        usuario.set_password(senha)
        usuario.save(update_fields=["password"])
        token.usado_em = timezone.now()
        token.save(update_fields=["usado_em"])
        _transicionar(usuario, S.ATIVO, ator=usuario, ip=ip, motivo="Primeiro acesso concluído")
    axes_reset(username=usuario.cpf)
    return usuario


# --- Recuperação de senha ----------------------------------------------------------------


def solicitar_recuperacao(*, cpf, email, ip=None):
    """Envia o link de redefinição se CPF e e-mail conferem; a resposta é sempre a mesma."""
    cpf = normalizar_cpf(cpf)
    with transaction.atomic():
        usuario = Usuario.objects.filter(cpf=cpf, email__iexact=(email or "").strip()).first()
        if usuario is None or usuario.situacao == S.BLOQUEADO:
            log.info("Recuperação pedida sem correspondência para %s", mascarar_cpf(cpf))
            return
        token = _emitir_token(usuario, F.RECUPERACAO_SENHA, settings.RECUPERACAO_SENHA_VALIDADE)
        enfileirar_email(
            "recuperacao_senha",
            usuario.email,
            {"usuario": usuario, "link": _link("accounts:redefinir_senha", token)},
            usuario=usuario,
        )
        registrar("usuario.recuperacao_solicitada", objeto=usuario, ip=ip)


def redefinir_senha(token_bruto, *, senha, ip=None):
    """Define a nova senha, gasta o token e desbloqueia a conta (bloqueio por tentativas).

    Uma conta importada que nunca ativou passa a ativa: a recuperação também serve de
    caminho para quem perdeu o convite.
    """
    with transaction.atomic():
        token = buscar_token(token_bruto, F.RECUPERACAO_SENHA, travar=True)
        usuario = Usuario.objects.select_for_update().get(pk=token.usuario_id)
        if usuario.situacao == S.BLOQUEADO:
            raise TokenInvalido
        usuario.set_password(senha)
        usuario.save(update_fields=["password"])
        token.usado_em = timezone.now()
        token.save(update_fields=["usado_em"])
        registrar("usuario.senha_redefinida", objeto=usuario, ator=usuario, ip=ip)
        if usuario.situacao == S.PENDENTE:
            _transicionar(usuario, S.ATIVO, ator=usuario, ip=ip, motivo="Ativada pela recuperação")
    axes_reset(username=usuario.cpf)
    return usuario


# --- Termo de uso ------------------------------------------------------------------------


def termo_vigente():
    """O termo publicado de maior versão (em cache; publicar um novo limpa o cache)."""
    termo = cache.get(CACHE_TERMO_VIGENTE)
    if termo is None:
        termo = (
            TermoUso.objects.filter(publicado_em__lte=timezone.now()).order_by("-versao").first()
        )
        cache.set(CACHE_TERMO_VIGENTE, termo or False, 60)
    return termo or None


def publicar_termo(*, titulo, texto, ator=None, ip=None):
    """Publica uma nova versão do termo; todos precisarão aceitá-la no próximo acesso."""
    with transaction.atomic():
        versao = (TermoUso.objects.select_for_update().aggregate(m=Max("versao"))["m"] or 0) + 1
        termo = TermoUso.objects.create(versao=versao, titulo=titulo, texto=texto)
        registrar("termo.publicado", objeto=termo, ator=ator, ip=ip, depois={"versao": versao})
    cache.delete(CACHE_TERMO_VIGENTE)
    return termo


def aceitar_termo(usuario, termo, *, ip=None, user_agent="", pelo_govbr=False):
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
        if pelo_govbr and usuario.situacao == S.PENDENTE:
            usuario.situacao = ativar_pelo_govbr(usuario, ip=ip).situacao
    return aceite


# --- Minha conta -------------------------------------------------------------------------


def atualizar_dados(usuario, *, nome, telefone, ip=None):
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
            _nome_do_rl_mudou(usuario)
    usuario.refresh_from_db()
    return True


def _nome_do_rl_mudou(usuario):
    """O nome do RL sai no CRC: o certificado do dia das organizações dele é renovado."""
    from parceiros import situacao
    from parceiros.models import Parceiro, Vinculo

    situacao.marcar_alteracao(
        Parceiro.objects.filter(
            vinculos__usuario=usuario, vinculos__papel=Vinculo.Papel.RL, vinculos__ativo=True
        )
    )


def alterar_senha(usuario, *, nova_senha, ip=None):
    """Troca a senha de quem já confirmou a atual (o formulário confere)."""
    with transaction.atomic():
        usuario.set_password(nova_senha)
        usuario.save(update_fields=["password"])
        registrar("usuario.senha_alterada", objeto=usuario, ator=usuario, ip=ip)
        enfileirar_email("senha_alterada", usuario.email, {"usuario": usuario}, usuario=usuario)


def solicitar_troca_email(usuario, *, novo_email, ip=None):
    """Envia a confirmação ao novo endereço e o aviso ao antigo; nada muda até confirmar."""
    with transaction.atomic():
        token = _emitir_token(
            usuario, F.TROCA_EMAIL, settings.TROCA_EMAIL_VALIDADE, {"novo_email": novo_email}
        )
        ctx = {"usuario": usuario, "novo_email": novo_email}
        enfileirar_email(
            "troca_email_confirmacao",
            novo_email,
            {**ctx, "link": _link("accounts:confirmar_email", token)},
            usuario=usuario,
        )
        enfileirar_email("troca_email_aviso", usuario.email, ctx, usuario=usuario)
        registrar(
            "usuario.troca_email_solicitada",
            objeto=usuario,
            ator=usuario,
            ip=ip,
            depois={"novo_email": novo_email},
        )


def confirmar_troca_email(token_bruto, *, ip=None):
    with transaction.atomic():
        token = buscar_token(token_bruto, F.TROCA_EMAIL, travar=True)
        usuario = Usuario.objects.select_for_update().get(pk=token.usuario_id)
        antigo, novo = usuario.email, token.dados["novo_email"]
        Usuario.objects.filter(pk=usuario.pk).update(email=novo, updated_at=timezone.now())
        token.usado_em = timezone.now()
        token.save(update_fields=["usado_em"])
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


# --- Administração -----------------------------------------------------------------------


def cadastrar_pela_administracao(usuario, *, ator=None, ip=None):
    """Conta criada no admin: pendente, sem senha; a pessoa cria a senha pelo link enviado."""
    with transaction.atomic():
        usuario.set_unusable_password()
        usuario.origem = Usuario.Origem.ADMINISTRACAO
        usuario.save()
        registrar("usuario.cadastro_administracao", objeto=usuario, ator=ator, ip=ip)
        _enviar_link_primeiro_acesso(usuario, evento="primeiro_acesso")
    return usuario


def alterar_pela_administracao(usuario, antes, depois, *, ator=None, ip=None):
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


def _texto(valor):
    if hasattr(valor, "all"):  # relação muitos-para-muitos (grupos, permissões)
        valor = valor.all()
    if isinstance(valor, (list, tuple)) or hasattr(valor, "model"):
        return sorted(str(v) for v in valor)
    return "" if valor is None else str(valor)


def desbloquear(usuario, *, ator=None, ip=None):
    """Libera o bloqueio por tentativas e, se houver, o bloqueio administrativo."""
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        axes_reset(username=usuario.cpf)
        if usuario.situacao == S.BLOQUEADO:
            volta = S.ATIVO if usuario.has_usable_password() else S.PENDENTE
            _transicionar(usuario, volta, ator=ator, ip=ip, motivo="Desbloqueio pela administração")
        else:
            registrar("usuario.tentativas_zeradas", objeto=usuario, ator=ator, ip=ip)
    return usuario


def bloquear(usuario, *, ator=None, ip=None, motivo=""):
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        if usuario.situacao == S.BLOQUEADO:
            return usuario
        _transicionar(usuario, S.BLOQUEADO, ator=ator, ip=ip, motivo=motivo or "Bloqueio")
    return usuario


def entrar_pelo_govbr(usuario, *, ip=None):
    """O gov.br autenticou ``usuario``: pode abrir a sessão? (``TransicaoInvalida`` se não)

    Conta bloqueada: recusada. Conta pendente (importada, convite ainda não usado): entra
    pendente e é ativada quando aceitar o termo vigente (``aceitar_termo(pelo_govbr=True)``);
    sem termo a aceitar, é ativada já.
    """
    if usuario.situacao == S.BLOQUEADO or not usuario.is_active:
        raise TransicaoInvalida("Conta bloqueada pela administração.")
    if usuario.situacao == S.PENDENTE:
        termo = termo_vigente()
        if termo is None or usuario.aceites.filter(termo=termo).exists():
            return ativar_pelo_govbr(usuario, ip=ip)
    return usuario


def ativar_pelo_govbr(usuario, *, ip=None):
    """Pendente → ativo pela validação do gov.br (chamado no aceite do termo).

    O gov.br já comprovou que a pessoa é dona do CPF, o que vale pela validação de cadastro
    do convite; os links de primeiro acesso ainda abertos deixam de valer (a conta segue sem
    senha local até a pessoa criar uma em Minha conta). Conta já ativa: nada muda. Conta
    bloqueada: ``TransicaoInvalida``.
    """
    with transaction.atomic():
        usuario = Usuario.objects.select_for_update().get(pk=usuario.pk)
        if usuario.situacao == S.BLOQUEADO:
            raise TransicaoInvalida("Conta bloqueada pela administração.")
        if usuario.situacao == S.PENDENTE:
            TokenAcesso.objects.filter(
                usuario=usuario, finalidade=F.PRIMEIRO_ACESSO, usado_em=None
            ).update(usado_em=timezone.now())
            _transicionar(usuario, S.ATIVO, ator=usuario, ip=ip, motivo="Ativada pelo gov.br")
    return usuario


def registrar_login(usuario, *, ip=None, metodo="senha"):
    registrar("usuario.login", objeto=usuario, ator=usuario, ip=ip, depois={"metodo": metodo})


def registrar_logout(usuario, *, ip=None):
    registrar("usuario.logout", objeto=usuario, ator=usuario, ip=ip)


# --- Buscas por CPF de outra pessoa (cota diária e auditoria) --------------------------------
def exigir_cota_diaria(ator, acao, limite, *, mensagem):
    """Recusa com ``CotaEsgotada`` se ``ator`` já fez ``acao`` ``limite`` vezes hoje.

    Chamada dentro da transação de quem grava a busca: trava a linha da conta, então duas
    abas ou dois processos ao mesmo tempo não passam da cota.
    """
    Usuario.objects.select_for_update().filter(pk=ator.pk).values_list("pk").first()
    if selectors.acoes_de_hoje(ator, acao) >= limite:
        raise CotaEsgotada(mensagem, code="cota")


def buscar_pessoa_por_cpf(cpf, *, ator, finalidade, ip=None):
    """A conta ativa com este CPF (ou ``None``), para indicar um RL ou incluir um RI.

    Cada busca conta na cota diária ``BUSCA_PESSOA_LIMITE_DIARIO`` de quem busca (recusa
    com ``CotaEsgotada``) e grava a auditoria com o CPF mascarado, achando ou não: quem
    busca não pode testar CPFs em massa para saber quem tem conta. Commit próprio: a busca
    conta mesmo que o passo seguinte falhe.
    """
    limite = settings.BUSCA_PESSOA_LIMITE_DIARIO
    with transaction.atomic():
        exigir_cota_diaria(
            ator,
            ACAO_BUSCA_PESSOA,
            limite,
            mensagem=f"Você já fez as {limite} buscas de pessoas por CPF permitidas por dia. "
            "Nada foi alterado; tente de novo amanhã ou peça à equipe do CAGEC.",
        )
        pessoa = Usuario.objects.filter(cpf=normalizar_cpf(cpf), situacao=S.ATIVO).first()
        registrar(
            "usuario.busca_por_cpf",
            ator=ator,
            usuario_afetado=pessoa,
            ip=ip,
            descricao=f"{finalidade}: CPF {mascarar_cpf(cpf)}",
            depois={"encontrada": pessoa is not None},
        )
    return pessoa
