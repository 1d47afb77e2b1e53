{{- /* The labels of a node's objects (lib/labels.ts): dict "v" .Values "site" <node name>. */}}
{{- define "nsfl.labels" -}}
app.kubernetes.io/component: task-manager
app.kubernetes.io/instance: {{ .v.name | quote }}
app.kubernetes.io/managed-by: cdk8s
app.kubernetes.io/name: neursafe-fl
app.kubernetes.io/part-of: neursafe-fl
app.kubernetes.io/version: {{ .v.version | quote }}
fl.neursafe.io/instance: {{ .v.name | quote }}
fl.neursafe.io/site: {{ .site | quote }}
{{- end }}

{{- /* The amount a quantity stands for, in cores or bytes (quantityValue of lib/config/k8s-rules.ts). */}}
{{- define "nsfl.quantity" -}}
{{- $q := toString . -}}
{{- $n := regexFind "^[0-9]*\\.?[0-9]*([eE][-+]?[0-9]+)?" $q -}}
{{- $units := dict "" 1 "n" 1e-9 "u" 1e-6 "m" 1e-3 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 -}}
{{- mulf (float64 $n) (get $units (trimPrefix $n $q)) -}}
{{- end }}

{{- /*
The task manager container's resources (resources() of lib/blocks/pod.ts): dict "set" <the node's resources> "defaults"
<the container's>. Each of cpu and memory from the node's settings, else the default; a default never conflicts with a
set value (a default limit below the set request is raised to it, a default request above the set limit lowered).
*/}}
{{- define "nsfl.resources" -}}
{{- $requests := dict }}
{{- $limits := dict }}
{{- range $key := list "cpu" "memory" }}
{{- $setReq := dig "requests" $key "" $.set }}
{{- $setLim := dig "limits" $key "" $.set }}
{{- $req := $setReq | default (index $.defaults.requests $key) }}
{{- $lim := $setLim | default (index $.defaults.limits $key) }}
{{- if gt (float64 (include "nsfl.quantity" $req)) (float64 (include "nsfl.quantity" $lim)) }}
{{- if not $setLim }}{{ $lim = $req }}{{ else if not $setReq }}{{ $req = $lim }}{{ end }}
{{- end }}
{{- $_ := set $requests $key (toString $req) }}
{{- $_ = set $limits $key (toString $lim) }}
{{- end }}
{{- toYaml (dict "limits" $limits "requests" $requests) }}
{{- end }}

{{- /* The init container's call of its wait_for function for a service (waitForTcpAll of lib/blocks/pod.ts): list <what> <host:port>. */}}
{{- define "nsfl.waitFor" -}}
{{- $address := index . 1 }}
{{- $port := regexFind "[0-9]+$" $address }}
{{- printf "wait_for %s %s %s" (index . 0) (trimSuffix (printf ":%s" $port) $address) $port }}
{{- end }}

{{- /*
A container's image, and images.pullPolicy where it is not Kubernetes' default for the image (imageOf of
lib/blocks/pod.ts): Always for a reference with no digest whose tag is latest or missing, else IfNotPresent. list .Values <image>.
*/}}
{{- define "nsfl.image" -}}
{{- $v := index . 0 }}
{{- $image := index . 1 }}
{{- $name := regexReplaceAll "^.*/" $image "" }}
{{- $default := "IfNotPresent" }}
{{- if and (not (contains "@" $image)) (or (not (contains ":" $name)) (hasSuffix ":latest" $name)) }}{{ $default = "Always" }}{{ end }}
image: {{ $image | quote }}
{{- if ne $v.images.pullPolicy $default }}
imagePullPolicy: {{ $v.images.pullPolicy }}
{{- end }}
{{- end }}
