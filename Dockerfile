# syntax=docker/dockerfile:1
# shadowscale as a Cloud Run job: `node bin/shadowscale.js job`.
# Everything the job needs at run time is baked in here (pulumi CLI, the gcp provider plugin,
# node_modules), because a job that downloads plugins on each start is slow and breaks when
# get.pulumi.com or GitHub is unreachable.

ARG NODE_IMAGE=node:20-slim
# Keep the CLI at the SDK's version (@pulumi/pulumi ~3.248 in package.json) and the plugin at
# @pulumi/gcp's (package-lock.json).
ARG PULUMI_VERSION=3.248.0
ARG PULUMI_GCP_VERSION=9.37.0

FROM ${NODE_IMAGE} AS pulumi
ARG PULUMI_VERSION
ARG PULUMI_GCP_VERSION
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
ENV PULUMI_HOME=/opt/pulumi
RUN curl -fsSL https://get.pulumi.com | sh -s -- --version "${PULUMI_VERSION}" --install-root /opt/pulumi --no-edit-path \
 && /opt/pulumi/bin/pulumi version \
 && /opt/pulumi/bin/pulumi plugin install resource gcp "v${PULUMI_GCP_VERSION}"

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# tsx is a runtime dependency (the code ships as TypeScript), so dev dependencies can go.
# A second nested copy of @pulumi/pulumi breaks inline programs ("Program run without the Pulumi
# engine available"), so the build fails unless there is exactly one.
RUN npm ci --omit=dev --no-audit --no-fund \
 && test "$(find node_modules -type d -path '*/node_modules/@pulumi/pulumi' | wc -l)" -eq 1

FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PULUMI_HOME=/opt/pulumi \
    PATH=/opt/pulumi/bin:$PATH \
    PULUMI_SKIP_UPDATE_CHECK=true \
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
COPY --from=pulumi --chown=node:node /opt/pulumi /opt/pulumi
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json package-lock.json tsconfig.json Pulumi.yaml ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node cli ./cli
COPY --chown=node:node forecaster ./forecaster
COPY --chown=node:node automation ./automation
COPY --chown=node:node stacks ./stacks
USER node
ENTRYPOINT ["node", "bin/shadowscale.js"]
CMD ["job"]
