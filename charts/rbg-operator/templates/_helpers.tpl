{{- define "rbg.name" -}}rbg-operator{{- end -}}
{{- define "rbg.fullname" -}}{{ .Release.Name | trunc 40 | trimSuffix "-" }}-rbg-operator{{- end -}}
{{- define "rbg.labels" -}}
app.kubernetes.io/name: rbg-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
{{- define "rbg.selector" -}}
app.kubernetes.io/name: rbg-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
