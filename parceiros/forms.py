"""Formulários de Parceiros e Solicitações: dono do formato da entrada."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from accounts.forms import CPFField, EmailField, TelefoneField, sem_controle
from accounts.services import CotaEsgotada, buscar_pessoa_por_cpf
from cagec.lib.arquivos import ATRIBUTO_RECUSADOS, tipo_pelo_conteudo
from cagec.lib.documentos import cnpj_valido, mascarar_cpf, normalizar_cnpj

from .models import MotivoPadrao, Obrigacao, Solicitacao, TipoParceiro


class CNPJField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "CNPJ")
        kwargs.setdefault("max_length", 25)
        kwargs.setdefault(
            "help_text", "Com ou sem pontuação. CNPJs com letras (alfanuméricos) também valem."
        )
        kwargs.setdefault("error_messages", {"max_length": "CNPJ inválido."})
        super().__init__(**kwargs)
        self.widget.attrs.update(
            autocomplete="off", spellcheck="false", autocapitalize="characters"
        )

    def clean(self, value):
        valor = super().clean(value)
        if valor in self.empty_values:
            return valor
        cnpj = normalizar_cnpj(sem_controle(valor))
        if not cnpj_valido(cnpj):
            raise forms.ValidationError(
                "CNPJ inválido. Confira os 14 caracteres (por exemplo 12.ABC.345/01DE-35 ou "
                "11.222.333/0001-81).",
                code="cnpj",
            )
        return cnpj


class CNPJForm(forms.Form):
    cnpj = CNPJField()


class DataField(forms.DateField):
    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y"])
        kwargs.setdefault("error_messages", {"invalid": "Data inválida. Use o formato dd/mm/aaaa."})
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)


class ContatosForm(forms.Form):
    site = forms.URLField(
        label="Endereço internet (site)",
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={"invalid": "Endereço inválido, por exemplo https://www.exemplo.org.br."},
    )
    email_institucional = EmailField(
        label="E-mail institucional",
        required=False,
        max_length=254,
        error_messages={"invalid": "Informe um e-mail válido, como contato@exemplo.org.br."},
    )
    telefone = TelefoneField(required=False)


class DadosInscricaoForm(ContatosForm):
    tipo: "forms.ModelChoiceField[TipoParceiro]" = forms.ModelChoiceField(
        label="Tipo de parceiro",
        queryset=None,
        empty_label="Selecione",
        error_messages={"invalid_choice": "Escolha um dos tipos da lista."},
        help_text="Só aparecem os tipos permitidos para a natureza jurídica do CNPJ.",
    )
    field_order = ["tipo", "site", "email_institucional", "telefone"]

    def __init__(self, tipos, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tipo"].queryset = tipos
        self.fields["tipo"].label_from_instance = lambda t: f"{t.nome} ({t.genero})"


class CPFIndicadoField(CPFField):
    """CPF de quem indicar. A forma mascarada de quem já foi indicado (o que o campo mostra)
    quer dizer "manter essa pessoa": o CPF inteiro nunca volta para a página."""

    mascara = None

    def clean(self, value):
        if self.mascara and isinstance(value, str) and value.strip() == self.mascara:
            return self.mascara
        return super().clean(value)


class RepresentanteForm(forms.Form):
    QUEM = [("eu", "Eu sou o representante legal"), ("outro", "Outra pessoa já cadastrada")]
    quem = forms.ChoiceField(
        label="Quem é o representante legal?", choices=QUEM, widget=forms.RadioSelect, initial="eu"
    )
    cpf = CPFIndicadoField(
        label="CPF do representante legal",
        required=False,
        help_text="Só se for outra pessoa: ela precisa ter conta ativa no portal. Até ela "
        "aceitar a indicação, você verá só o primeiro nome, as iniciais e o CPF mascarado.",
    )
    cargo = forms.CharField(
        label="Cargo", max_length=120, help_text="Por exemplo: Prefeito, Presidente."
    )
    mandato_inicio = DataField(label="Início do mandato")
    mandato_fim = DataField(label="Fim do mandato")

    def __init__(self, usuario, *args, atual=None, ip=None, **kwargs):
        """``atual``: a outra pessoa já indicada (o CPF mascarado a mantém, sem nova busca)."""
        self.usuario = usuario
        self.atual = atual
        self.ip = ip
        self.representante = None
        super().__init__(*args, **kwargs)
        self.fields["cpf"].widget.attrs["autocomplete"] = "off"
        if atual is not None:
            campo = self.fields["cpf"]
            campo.mascara = mascarar_cpf(atual.cpf)
            self.initial["cpf"] = campo.mascara
            campo.help_text = (
                "Mantenha o CPF mascarado para continuar com a pessoa já indicada, ou digite "
                "outro CPF."
            )

    def clean_cargo(self):
        cargo = " ".join(sem_controle(self.cleaned_data["cargo"]).split())
        if not cargo:
            raise forms.ValidationError("Informe o cargo.")
        return cargo

    def clean(self):
        dados = super().clean()
        if dados.get("quem") == "eu":
            self.representante = self.usuario
        elif dados.get("quem") == "outro" and "cpf" not in self.errors:
            self.representante = self._pessoa(dados.get("cpf"))
        inicio, fim = dados.get("mandato_inicio"), dados.get("mandato_fim")
        if inicio and fim and fim < inicio:
            self.add_error("mandato_fim", "O fim do mandato deve ser depois do início.")
        elif fim and fim < timezone.localdate():
            self.add_error("mandato_fim", "Este mandato já terminou. Informe o mandato atual.")
        return dados

    def _pessoa(self, cpf):
        """A pessoa indicada; uma busca nova (com cota e auditoria) só para um CPF novo."""
        if not cpf:
            self.add_error("cpf", "Informe o CPF do representante legal.")
            return None
        if self.atual is not None and cpf in (self.atual.cpf, self.fields["cpf"].mascara):
            return self.atual
        if cpf == self.usuario.cpf:
            return self.usuario
        try:
            pessoa = buscar_pessoa_por_cpf(
                cpf, ator=self.usuario, finalidade="Indicação de representante legal", ip=self.ip
            )
        except CotaEsgotada as erro:
            self.add_error("cpf", erro)
            return None
        if pessoa is None:
            self.add_error(
                "cpf",
                "Não há conta ativa com este CPF. Peça à pessoa que faça a inscrição no portal "
                "e ative a conta antes.",
            )
        return pessoa


class CargoForm(forms.Form):
    cargo = forms.CharField(label="Seu cargo na organização", max_length=120)

    def clean_cargo(self):
        cargo = " ".join(sem_controle(self.cleaned_data["cargo"]).split())
        if not cargo:
            raise forms.ValidationError("Informe o cargo.")
        return cargo


class DocumentoForm(forms.Form):
    """Um arquivo para uma Obrigação; as datas pedidas dependem da regra de validade."""

    arquivo = forms.FileField(
        label="Arquivo (PDF, PNG ou JPEG, até 20 MB)",
        error_messages={
            "required": "Escolha o arquivo.",
            "empty": "O arquivo está vazio.",
            "invalid": "Não foi possível ler o arquivo. Tente enviá-lo de novo.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )
    data_validade = DataField(label="Válido até", required=False)
    data_emissao = DataField(label="Data de emissão", required=False)
    # As datas antes do arquivo: quem lê o documento em papel digita e depois escolhe o arquivo.
    field_order = ["data_emissao", "data_validade", "arquivo"]

    def __init__(self, obrigacao, request, *args, retido=None, **kwargs):
        """``retido``: arquivo já recebido num envio com datas erradas (``ArquivoRetido``);
        com ele, escolher outro arquivo é opcional."""
        self.obrigacao = obrigacao
        self.request = request
        self.retido = retido
        kwargs.setdefault("prefix", f"o{obrigacao.pk}")
        super().__init__(*args, **kwargs)
        if not obrigacao.pede_data_validade:
            del self.fields["data_validade"]
        if not obrigacao.pede_data_emissao:
            del self.fields["data_emissao"]
        if retido is not None:
            self.oferecer_retido(retido)

    def oferecer_retido(self, retido):
        """O arquivo já recebido vale: escolher outro passa a ser opcional."""
        self.retido = retido
        campo = self.fields["arquivo"]
        campo.required = False
        campo.label = "Outro arquivo (opcional)"
        campo.help_text = (
            f"Arquivo já recebido: {retido.nome_original} — corrija a data e envie; "
            "escolha outro arquivo só se quiser trocá-lo."
        )
        # Depois da validação o campo já tem o seu BoundField (com o rótulo antigo).
        vinculado = self["arquivo"]
        vinculado.label, vinculado.help_text = campo.label, campo.help_text

    @property
    def arquivo_aceito(self):
        """O arquivo escolhido passou nas conferências (só as datas falharam)."""
        return bool(self.cleaned_data.get("arquivo")) and "arquivo" not in self.errors

    def clean_arquivo(self):
        arquivo = self.cleaned_data["arquivo"]
        if not arquivo:
            return arquivo
        if tipo_pelo_conteudo(arquivo) is None:
            raise forms.ValidationError(
                "Este arquivo não é um PDF, PNG ou JPEG (o tipo é conferido pelo conteúdo, não "
                "pelo nome). Salve o documento como PDF e envie de novo."
            )
        return arquivo

    def full_clean(self):
        super().full_clean()
        recusados = getattr(self.request, ATRIBUTO_RECUSADOS, set())
        if self.add_prefix("arquivo") in recusados and self.is_bound:
            self.errors.pop("arquivo", None)
            limite = settings.DOCUMENTO_TAMANHO_MAXIMO // (1024 * 1024)
            self.add_error(
                "arquivo", f"O arquivo tem mais de {limite} MB. Reduza-o e envie de novo."
            )

    def clean_data_validade(self):
        data = self.cleaned_data.get("data_validade")
        if data is None:
            raise forms.ValidationError("Informe até quando o documento é válido.")
        if data < timezone.localdate():
            raise forms.ValidationError("Este documento já venceu. Envie um documento válido.")
        return data

    def clean_data_emissao(self):
        data = self.cleaned_data.get("data_emissao")
        hoje = timezone.localdate()
        if data is None:
            raise forms.ValidationError("Informe a data de emissão do documento.")
        if data > hoje:
            raise forms.ValidationError("A data de emissão não pode ser no futuro.")
        if data + timedelta(days=self.obrigacao.dias) < hoje:
            raise forms.ValidationError(
                f"Este documento vale {self.obrigacao.dias} dias após a emissão e já venceu. "
                "Envie um emitido mais recentemente."
            )
        return data


class ResponsavelForm(forms.Form):
    """O RL inclui um RI pelo CPF: cada busca conta na cota diária e fica na auditoria."""

    cpf = CPFField(
        label="CPF",
        help_text="A pessoa precisa ter conta ativa no portal. Até ela confirmar a inclusão, "
        "você verá só o primeiro nome, as iniciais e o CPF mascarado.",
    )
    cargo = forms.CharField(label="Cargo", max_length=120, required=False)

    def __init__(self, usuario, *args, ip=None, **kwargs):
        self.usuario = usuario
        self.ip = ip
        self.pessoa = None
        super().__init__(*args, **kwargs)
        self.fields["cpf"].widget.attrs["autocomplete"] = "off"

    def clean_cargo(self):
        return " ".join(sem_controle(self.cleaned_data["cargo"]).split())

    def clean_cpf(self):
        cpf = self.cleaned_data["cpf"]
        if cpf == self.usuario.cpf:
            self.pessoa = self.usuario  # o serviço explica que o RL não vira RI
            return cpf
        self.pessoa = buscar_pessoa_por_cpf(
            cpf,
            ator=self.usuario,
            finalidade="Inclusão de responsável pelas informações",
            ip=self.ip,
        )
        if self.pessoa is None:
            raise forms.ValidationError(
                "Não há conta ativa com este CPF. Peça à pessoa que faça a inscrição no portal."
            )
        return cpf


def obrigacao_do_post(solicitacao_obrigacoes, valor):
    """A Obrigação escolhida no POST, se for da checklist da solicitação."""
    try:
        return solicitacao_obrigacoes.get(pk=int(valor))
    except (TypeError, ValueError, Obrigacao.DoesNotExist):
        return None


# --- Análise ---------------------------------------------------------------------------------
class FiltroAnaliseForm(forms.Form):
    IDADES = [
        ("", "Qualquer"),
        ("0-2", "Até 2 dias"),
        ("3-7", "De 3 a 7 dias"),
        ("8-15", "De 8 a 15 dias"),
        ("16-", "Mais de 15 dias"),
    ]
    tipo = forms.ChoiceField(label="Tipo de solicitação", required=False)
    tipo_parceiro: "forms.ModelChoiceField[TipoParceiro]" = forms.ModelChoiceField(
        label="Tipo de parceiro", queryset=None, required=False, empty_label="Todos"
    )
    idade = forms.ChoiceField(label="Há quanto tempo espera", choices=IDADES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tipo"].choices = [("", "Todos"), *Solicitacao.Tipo.choices]
        self.fields["tipo_parceiro"].queryset = TipoParceiro.objects.all()

    def opcoes(self):
        """Os filtros como listas simples: a fila é a página mais aberta pela equipe e os
        widgets do Django custariam vários milissegundos por página."""
        atual = self.data if self.is_bound else {}
        tipos = [("", "Todos")] + [
            (str(t.pk), t.nome) for t in self.fields["tipo_parceiro"].queryset
        ]
        return [
            {
                "nome": nome,
                "rotulo": self.fields[nome].label,
                "opcoes": opcoes,
                "atual": atual.get(nome, ""),
            }
            for nome, opcoes in (
                ("tipo", self.fields["tipo"].choices),
                ("tipo_parceiro", tipos),
                ("idade", self.IDADES),
            )
        ]


class DecisaoForm(forms.Form):
    """Parecer por documento e decisão da solicitação, num envio só.

    O motivo enviado é o texto da caixa "Motivo", como a pessoa o vê. Um motivo padrão
    escolhido entra na caixa antes do envio: pelo ``analise.js`` ao escolher, ou, sem
    JavaScript, numa volta do servidor para conferir (``precisa_conferir_motivo``). O campo
    oculto ``modelo_conferido`` diz qual motivo padrão já está na caixa.
    """

    DECISOES = [
        ("aprovada", "Aprovada"),
        ("aprovada_parcialmente", "Aprovada parcialmente"),
        ("devolvida", "Devolvida para correção"),
        ("reprovada", "Reprovada"),
    ]
    PARECERES = [("", "Sem parecer"), ("aprovar", "Aprovar"), ("reprovar", "Reprovar")]

    decisao = forms.ChoiceField(
        label="Decisão",
        choices=DECISOES,
        widget=forms.RadioSelect,
        error_messages={"required": "Escolha a decisão sobre a solicitação."},
    )
    modelo: "forms.ModelChoiceField[MotivoPadrao]" = forms.ModelChoiceField(
        label="Motivo padrão",
        queryset=None,
        required=False,
        empty_label="Nenhum",
        help_text="O texto escolhido entra na caixa Motivo, onde pode ser editado antes do envio.",
    )
    modelo_conferido = forms.CharField(required=False, widget=forms.HiddenInput)
    motivo = forms.CharField(
        label="Motivo",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Obrigatório, exceto para Aprovada. O texto vai no e-mail ao solicitante.",
    )

    def __init__(self, documentos, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["modelo"].queryset = MotivoPadrao.objects.filter(ativo=True)
        self.documentos = list(documentos)
        for d in self.documentos:
            self.fields[f"parecer_{d.pk}"] = forms.ChoiceField(
                label=f"Parecer: {d.obrigacao.nome}",
                choices=self.PARECERES,
                required=False,
                initial=d.parecer,
                widget=forms.RadioSelect,
            )
            self.fields[f"motivo_{d.pk}"] = forms.CharField(
                label=f"Motivo da reprovação: {d.obrigacao.nome}",
                required=False,
                max_length=1000,
                initial=d.motivo_reprovacao,
            )

    def clean(self):
        """Os erros de um envio só, cada um no seu campo (o resumo do topo liga a ele)."""
        dados = super().clean()
        decisao = dados.get("decisao")
        if decisao and decisao != "aprovada" and not self._motivo_ou_modelo():
            self.add_error("motivo", "Informe o motivo da decisão.")
        for d in self.documentos:
            if (
                dados.get(f"parecer_{d.pk}") == "reprovar"
                and not (dados.get(f"motivo_{d.pk}") or "").strip()
            ):
                self.add_error(
                    f"motivo_{d.pk}", f"Informe o motivo da reprovação de “{d.obrigacao.nome}”."
                )
        return dados

    def _motivo_ou_modelo(self):
        """Motivo digitado ou motivo padrão ainda fora da caixa (``dados_para_conferir``)."""
        return (self.cleaned_data.get("motivo") or "").strip() or self.precisa_conferir_motivo()

    def campos_do_documento(self, documento):
        return self[f"parecer_{documento.pk}"], self[f"motivo_{documento.pk}"]

    def parecer_atual(self, documento):
        """O parecer que a página mostra: o enviado (se houver) ou o gravado."""
        return self[f"parecer_{documento.pk}"].value() or ""

    def pareceres(self):
        return {
            d.pk: (
                self.cleaned_data.get(f"parecer_{d.pk}") or "",
                sem_controle(self.cleaned_data.get(f"motivo_{d.pk}") or ""),
            )
            for d in self.documentos
        }

    def precisa_conferir_motivo(self):
        """Motivo padrão escolhido que ainda não está na caixa Motivo (envio sem JavaScript)."""
        modelo = self.cleaned_data.get("modelo")
        return bool(modelo) and self.cleaned_data.get("modelo_conferido") != str(modelo.pk)

    def dados_para_conferir(self):
        """Os dados do envio com o texto do motivo padrão posto na caixa Motivo (antes do que
        foi digitado), para a pessoa ver, editar e registrar de novo."""
        modelo = self.cleaned_data["modelo"]
        digitado = (self.cleaned_data.get("motivo") or "").strip()
        dados = self.data.copy()
        dados["motivo"] = "\n".join(t for t in (modelo.texto, digitado) if t)
        dados["modelo_conferido"] = str(modelo.pk)
        return dados

    def dados_com_todos_aprovados(self):
        """Os dados do envio com o parecer "Aprovar" em todo documento (sem JavaScript)."""
        dados = self.data.copy()
        for d in self.documentos:
            dados[f"parecer_{d.pk}"] = "aprovar"
        return dados

    def motivo_final(self):
        return (self.cleaned_data.get("motivo") or "").strip()
