"""Pessoas, termos de uso, importação de cadastro e pedidos de recuperação.

Links de uso único, caixa de saída e trilha de auditoria são infraestrutura de todos os apps
e moram em ``cagec/core/models.py``. ``ACOES_LEGIVEIS`` é registrado lá no
``AccountsConfig.ready``. Nenhuma transição de estado é feita aqui: ver ``accounts/services.py``.
"""

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from cagec.lib.documentos import formatar_cpf, formatar_telefone, mascarar_cpf, normalizar_cpf


class UsuarioManager(BaseUserManager["Usuario"]):
    use_in_migrations = True

    def create_user(
        self, cpf: str, nome: str = "", email: str = "", password: str | None = None, **extra: Any
    ) -> "Usuario":
        usuario = self.model(cpf=normalizar_cpf(cpf), nome=nome, email=email.strip(), **extra)
        if password:
            usuario.set_password(password)
        else:
            usuario.set_unusable_password()
        usuario.save(using=self._db)
        return usuario

    def create_superuser(
        self, cpf: str, nome: str = "", email: str = "", password: str | None = None, **extra: Any
    ) -> "Usuario":
        extra.update(is_staff=True, is_superuser=True, situacao=Usuario.Situacao.ATIVO)
        extra.setdefault("origem", Usuario.Origem.ADMINISTRACAO)
        extra.setdefault("cpf_confirmado_em", timezone.now())
        extra.setdefault("cpf_confirmado_por", Usuario.ConfirmacaoCPF.ADMINISTRACAO)
        return self.create_user(cpf, nome, email, password, **extra)


class Usuario(AbstractBaseUser, PermissionsMixin):
    class Situacao(models.TextChoices):
        PENDENTE = "pendente", "Pendente de primeiro acesso"
        ATIVO = "ativo", "Ativo"
        BLOQUEADO = "bloqueado", "Bloqueado pela administração"
        EXPIRADA = "expirada", "Inscrição expirada sem ativação (CPF liberado)"

    class Origem(models.TextChoices):
        INSCRICAO = "inscricao", "Inscrição no portal"
        IMPORTACAO = "importacao", "Importação do sistema anterior"
        ADMINISTRACAO = "administracao", "Criado pela administração"

    class ConfirmacaoCPF(models.TextChoices):
        """Como se comprovou que a conta é do titular do CPF (o e-mail da inscrição não prova)."""

        GOVBR = "govbr", "Entrada com gov.br"
        ANALISE = "analise", "Documentos de identidade aprovados na análise"
        ADMINISTRACAO = "administracao", "Conferência de identidade pela administração"
        IMPORTACAO = "importacao", "Registro do sistema anterior do Estado"

    cpf = models.CharField("CPF", max_length=11, unique=True)
    nome = models.CharField("nome completo", max_length=200)
    email = models.EmailField("e-mail principal", max_length=254)
    telefone = models.CharField("telefone", max_length=11, blank=True)
    situacao = models.CharField(
        "situação", max_length=12, choices=Situacao.choices, default=Situacao.PENDENTE
    )
    origem = models.CharField(
        "origem", max_length=15, choices=Origem.choices, default=Origem.INSCRICAO
    )
    # Vazio enquanto ninguém comprovou a titularidade do CPF (inscrição pelo próprio portal).
    cpf_confirmado_em = models.DateTimeField("CPF confirmado em", null=True, blank=True)
    cpf_confirmado_por = models.CharField(
        "CPF confirmado por", max_length=15, choices=ConfirmacaoCPF.choices, blank=True
    )
    is_staff = models.BooleanField("acesso à administração", default=False)
    is_active = models.BooleanField("pode entrar", default=True)
    created_at = models.DateTimeField("criado em", default=timezone.now)
    updated_at = models.DateTimeField("atualizado em", auto_now=True)

    objects = UsuarioManager()

    USERNAME_FIELD = "cpf"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["nome", "email"]

    class Meta:
        verbose_name = "usuário"
        verbose_name_plural = "usuários"
        indexes = [models.Index(Upper("email"), name="usuario_email_upper")]

    def __str__(self) -> str:
        return f"{self.nome} ({mascarar_cpf(self.cpf)})"

    @property
    def cpf_formatado(self) -> str:
        return formatar_cpf(self.cpf)

    @property
    def cpf_mascarado(self) -> str:
        return mascarar_cpf(self.cpf)

    @property
    def cpf_confirmado(self) -> bool:
        return self.cpf_confirmado_em is not None

    @property
    def telefone_formatado(self) -> str:
        return formatar_telefone(self.telefone)

    def get_full_name(self) -> str:
        return self.nome

    def get_short_name(self) -> str:
        return self.nome.split(" ")[0] if self.nome else ""


class TermoUso(models.Model):
    """Termo de Uso e Política de Privacidade. Publicado, não se edita: cria-se nova versão."""

    versao = models.PositiveIntegerField("versão", unique=True)
    titulo = models.CharField("título", max_length=200)
    texto = models.TextField(
        "texto", help_text="Parágrafos separados por linha em branco. Linhas com '## ' são títulos."
    )
    publicado_em = models.DateTimeField("publicado em", default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "termo de uso"
        verbose_name_plural = "termos de uso"
        ordering = ["-versao"]

    def __str__(self) -> str:
        return f"{self.titulo} — versão {self.versao}"

    def blocos(self) -> Iterator[dict[str, str]]:
        """O texto em blocos (título ou parágrafo) para o template, sem HTML vindo do banco."""
        for bloco in self.texto.replace("\r\n", "\n").split("\n\n"):
            bloco = bloco.strip()
            if bloco.startswith("## "):
                yield {"titulo": bloco[3:]}
            elif bloco:
                yield {"paragrafo": bloco}


class AceiteTermo(models.Model):
    usuario = models.ForeignKey(Usuario, on_delete=models.CASCADE, related_name="aceites")
    termo = models.ForeignKey(TermoUso, on_delete=models.PROTECT, related_name="aceites")
    aceito_em = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "aceite do termo de uso"
        verbose_name_plural = "aceites do termo de uso"
        constraints = [
            models.UniqueConstraint(fields=["usuario", "termo"], name="aceite_unico_por_versao")
        ]

    def __str__(self) -> str:
        return f"{self.usuario} aceitou a versão {self.termo.versao}"


ACOES_LEGIVEIS = {
    "usuario.inscricao": "Inscrição no portal",
    "usuario.inscricao_repetida": "Tentativa de nova inscrição com este CPF",
    "usuario.cadastro_administracao": "Conta criada pela administração",
    "usuario.primeiro_acesso_reenviado": "Novo link de primeiro acesso enviado",
    "usuario.ativo": "Conta ativada",
    "usuario.bloqueado": "Conta bloqueada pela administração",
    "usuario.pendente": "Bloqueio retirado (conta aguardando primeiro acesso)",
    "usuario.login": "Entrada no portal",
    "usuario.logout": "Saída do portal",
    "usuario.recuperacao_solicitada": "Pedido de recuperação de senha",
    "usuario.senha_redefinida": "Senha redefinida pela recuperação",
    "usuario.senha_alterada": "Senha alterada",
    "usuario.dados_alterados": "Dados pessoais alterados",
    "usuario.troca_email_solicitada": "Pedido de troca do e-mail principal",
    "usuario.email_alterado": "E-mail principal alterado",
    "usuario.tentativas_zeradas": "Tentativas de acesso zeradas pela administração",
    "usuario.sessao_encerrada_por_bloqueio": "Sessão encerrada: senha errada vezes demais",
    "email.limite_por_destinatario": "E-mail não enviado: limite por hora do destinatário",
    "usuario.cpf_confirmado": "CPF confirmado",
    "usuario.cpf_retomado": "Conta retomada pelo titular do CPF (acessos anteriores revogados)",
    "usuario.cpf_liberado": "CPF liberado pela administração após conferência de identidade",
    "usuario.expirada": "Inscrição expirada sem ativação (CPF liberado)",
    "usuario.definicao_email_solicitada": "Pedido de definição do e-mail principal",
    "termo.aceito": "Termo de uso aceito",
    "termo.publicado": "Nova versão do termo de uso publicada",
    "usuario.importacao_atualizado": "Dados pessoais atualizados pela importação",
    "usuario.alterado_pela_administracao": "Dados da conta alterados pela administração",
    "importacao.confirmada": "Importação de cadastro confirmada",
    "importacao.concluida": "Importação de cadastro concluída",
    "importacao.retomada": "Importação de cadastro retomada (estava parada)",
    "parceiro.cadastrado": "Organização cadastrada",
    "parceiro.dados_receita_atualizados": "Dados da Receita Federal atualizados",
    "parceiro.alterado_pela_administracao": "Organização alterada pela administração",
    "parceiro.alteracao_recusada_conflito": "Alteração recusada: RL ou RI da própria organização",
    "parceiro.importacao_atualizado": "Organização atualizada pela importação",
    "vinculo.rl": "Representante legal vinculado à organização",
    "vinculo.ri_incluido": "Responsável pelas informações incluído",
    "vinculo.ri_removido": "Responsável pelas informações removido",
    "vinculo.importacao_atualizado": "Cargo ou mandato atualizado pela importação",
    "solicitacao.criada": "Solicitação criada",
    "solicitacao.decisao_recusada_conflito": "Decisão recusada: analista é parte da solicitação",
    "documento.anexado": "Documento anexado",
    "documento.retido": "Arquivo recebido; datas a corrigir",
    "documento.removido": "Documento removido",
    "documento.orfaos_apagados": "Arquivos sem documento apagados pela varredura",
    "solicitacao.arquivos_apagados": "Arquivos da solicitação cancelada apagados",
    "solicitacao.aviso_inatividade": "Aviso de cancelamento por falta de alteração enviado",
    "declaracao.assinada": "Declaração de autenticidade assinada",
    "usuario.busca_por_cpf": "Busca de pessoa pelo CPF (indicação de representante ou responsável)",
    "consulta.cpf_representante": "Consulta de organizações pelo CPF do representante legal",
    "solicitacao.indicacao_aceita": "Indicação como representante legal aceita",
    "solicitacao.indicacao_recusada": "Indicação como representante legal recusada",
    "vinculo.ri_confirmado": "Inclusão como responsável pelas informações confirmada",
    "vinculo.ri_recusado": "Inclusão como responsável pelas informações recusada",
}


class PedidoRecuperacao(models.Model):
    """Pedido de /recuperar-senha/ ainda não conferido (a task o confere e o apaga).

    O formulário público só grava o pedido: conferir CPF e e-mail, gerar o link e montar o
    e-mail ficam para a fila, e a resposta custa o mesmo com ou sem correspondência. CPF e
    e-mail ficam aqui só até a task rodar (segundos; pedidos velhos são descartados).
    """

    cpf = models.CharField("CPF", max_length=11)
    email = models.EmailField("e-mail", max_length=254)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "pedido de recuperação de senha"
        verbose_name_plural = "pedidos de recuperação de senha"

    def __str__(self) -> str:
        return f"Pedido de recuperação nº {self.pk} ({mascarar_cpf(self.cpf)})"


class PedidoConvite(models.Model):
    """Um convite pedido (admin ou comando) a uma pessoa importada: o trabalho mora no banco.

    ``accounts.convites`` grava um pedido por pessoa; o beat, a cada minuto, atende os
    próximos ``CONVITES_POR_MINUTO`` pendentes (grava o convite na caixa de saída e marca o
    pedido atendido na mesma transação). A fila só acelera: um broker que esquece a mensagem
    atrasa o convite, nunca o perde. No máximo um pedido pendente por pessoa.
    """

    class Resultado(models.TextChoices):
        PENDENTE = "pendente", "A enviar"
        ENVIADO = "enviado", "Convite gravado na caixa de saída"
        IGNORADO = "ignorado", "Não enviado (conta já ativada ou pessoa já convidada)"
        FALHOU = "falhou", "Não enviado: erro ao gravar o convite (ver o log)"

    usuario = models.ForeignKey(Usuario, on_delete=models.CASCADE, related_name="+")
    reenviar = models.BooleanField(
        "reenviar",
        default=False,
        help_text="Envia mesmo a quem já recebeu (o link anterior expira).",
    )
    solicitado_por = models.ForeignKey(
        Usuario, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    solicitado_em = models.DateTimeField("pedido em", default=timezone.now)
    atendido_em = models.DateTimeField("atendido em", null=True, blank=True)
    resultado = models.CharField(
        max_length=10, choices=Resultado.choices, default=Resultado.PENDENTE
    )

    class Meta:
        verbose_name = "pedido de convite"
        verbose_name_plural = "pedidos de convite"
        constraints = [
            models.UniqueConstraint(
                fields=["usuario"],
                condition=models.Q(atendido_em__isnull=True),
                name="pedido_convite_um_pendente_por_pessoa",
            )
        ]
        indexes = [
            # "Os próximos N pendentes" e a janela do limite por minuto.
            models.Index(
                fields=["id"],
                condition=models.Q(atendido_em__isnull=True),
                name="pedido_convite_pendentes",
            ),
            models.Index(fields=["atendido_em"], name="pedido_convite_atendido_em"),
        ]

    def __str__(self) -> str:
        return f"Convite para {self.usuario} ({self.get_resultado_display().lower()})"
