#!/usr/bin/env python3
"""Writes a generated cairn stack of about N resources (and, with --terraform, its Terraform
twin) for the benchmarks: blocks of one VPC with subnets, a route table, associations and
security groups that reference one another, the shape of a real network layer.

With --state, it also writes the state cairn would record after applying the stack (ids
made up, shapes as cairn records them), for plans over a full state without applying.

usage: gen_stack.py N DIR [--terraform TFDIR] [--name NAME] [--state]
"""

import argparse
import json
import os
import uuid

SUBNETS = 4  # per VPC; with one route table, 4 associations, 4 security groups: 14 per block
GROUPS = 4
PER_BLOCK = 1 + SUBNETS + 1 + SUBNETS + GROUPS


def blocks(n):
    return max(1, round(n / PER_BLOCK))


def cairn(n, name):
    out = [f'[stack]\nname = "{name}"\n', '[provider.aws]\nregion = "us-east-1"\n'
           f'default_tags = {{ Bench = "{name}" }}\n']
    for b in range(blocks(n)):
        hi, lo = divmod(b, 256)
        out.append(f'[aws_vpc.v{b}]\ncidr_block = "10.{lo}.0.0/16"\n'
                   f'tags = {{ Name = "{name}-{b}", Block = "{hi}" }}\n')
        out.append(f'[aws_route_table.r{b}]\nvpc_id = "${{aws_vpc.v{b}.id}}"\n')
        for s in range(SUBNETS):
            out.append(f'[aws_subnet.s{b}_{s}]\nvpc_id = "${{aws_vpc.v{b}.id}}"\n'
                       f'cidr_block = "10.{lo}.{s}.0/24"\n'
                       f'tags = {{ Name = "{name}-{b}-{s}" }}\n')
            out.append(f'[aws_route_table_association.a{b}_{s}]\n'
                       f'subnet_id = "${{aws_subnet.s{b}_{s}.id}}"\n'
                       f'route_table_id = "${{aws_route_table.r{b}.id}}"\n')
        for g in range(GROUPS):
            source = (f'security_groups = ["${{aws_security_group.g{b}_{g - 1}.id}}"]'
                      if g else 'cidr_blocks = ["10.0.0.0/8"]')
            out.append(f'[aws_security_group.g{b}_{g}]\nname = "{name}-{b}-{g}"\n'
                       f'description = "tier {g}"\nvpc_id = "${{aws_vpc.v{b}.id}}"\n'
                       f'ingress = [{{ protocol = "tcp", from_port = 443, to_port = 443, {source} }}]\n')
    return "\n".join(out)


def terraform(n, name):
    out = ['terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = "5.100.0" }\n  }\n}\n',
           'provider "aws" {\n  region = "us-east-1"\n  default_tags { tags = { Bench = "%s" } }\n}\n' % name]
    for b in range(blocks(n)):
        hi, lo = divmod(b, 256)
        out.append(f'resource "aws_vpc" "v{b}" {{\n  cidr_block = "10.{lo}.0.0/16"\n'
                   f'  tags = {{ Name = "{name}-{b}", Block = "{hi}" }}\n}}\n')
        out.append(f'resource "aws_route_table" "r{b}" {{\n  vpc_id = aws_vpc.v{b}.id\n}}\n')
        for s in range(SUBNETS):
            out.append(f'resource "aws_subnet" "s{b}_{s}" {{\n  vpc_id = aws_vpc.v{b}.id\n'
                       f'  cidr_block = "10.{lo}.{s}.0/24"\n  tags = {{ Name = "{name}-{b}-{s}" }}\n}}\n')
            out.append(f'resource "aws_route_table_association" "a{b}_{s}" {{\n'
                       f'  subnet_id = aws_subnet.s{b}_{s}.id\n  route_table_id = aws_route_table.r{b}.id\n}}\n')
        for g in range(GROUPS):
            source = (f'security_groups = [aws_security_group.g{b}_{g - 1}.id]'
                      if g else 'cidr_blocks = ["10.0.0.0/8"]')
            out.append(f'resource "aws_security_group" "g{b}_{g}" {{\n  name = "{name}-{b}-{g}"\n'
                       f'  description = "tier {g}"\n  vpc_id = aws_vpc.v{b}.id\n'
                       f'  ingress {{\n    protocol = "tcp"\n    from_port = 443\n    to_port = 443\n    {source}\n  }}\n}}\n')
    return "\n".join(out)


def state(n, name):
    account = "123456789012"
    tags = {"Bench": name}
    out = []

    def add(rtype, addr, rid, inputs, outputs, deps):
        out.append({"address": f"{rtype}.{addr}", "type": rtype, "id": rid, "inputs": inputs,
                    "outputs": {"id": rid, **outputs}, "dependencies": sorted(deps)})

    def arn(kind, rid):
        return {"arn": f"arn:aws:ec2:us-east-1:{account}:{kind}/{rid}"}

    for b in range(blocks(n)):
        hi, lo = divmod(b, 256)
        vpc, rtb = f"vpc-{b:017x}", f"rtb-{b:017x}"
        add("aws_vpc", f"v{b}", vpc,
            {"cidr_block": f"10.{lo}.0.0/16", "enable_dns_hostnames": False,
             "enable_dns_support": True, "instance_tenancy": "default",
             "tags": {**tags, "Block": str(hi), "Name": f"{name}-{b}"}},
            {**arn("vpc", vpc), "default_security_group_id": f"sg-d{b:016x}",
             "main_route_table_id": f"rtb-d{b:016x}"}, [])
        add("aws_route_table", f"r{b}", rtb, {"route": [], "tags": dict(tags), "vpc_id": vpc},
            arn("route-table", rtb), [f"aws_vpc.v{b}"])
        for s in range(SUBNETS):
            subnet, assoc = f"subnet-{b:013x}{s:04x}", f"rtbassoc-{b:013x}{s:04x}"
            add("aws_subnet", f"s{b}_{s}", subnet,
                {"availability_zone": "us-east-1a", "cidr_block": f"10.{lo}.{s}.0/24",
                 "map_public_ip_on_launch": False,
                 "tags": {**tags, "Name": f"{name}-{b}-{s}"}, "vpc_id": vpc},
                arn("subnet", subnet), [f"aws_vpc.v{b}"])
            add("aws_route_table_association", f"a{b}_{s}", assoc,
                {"route_table_id": rtb, "subnet_id": subnet}, {},
                [f"aws_route_table.r{b}", f"aws_subnet.s{b}_{s}"])
        for g in range(GROUPS):
            sg = f"sg-{b:013x}{g:04x}"
            rule = {"cidr_blocks": [] if g else ["10.0.0.0/8"], "from_port": 443,
                    "protocol": "tcp", "security_groups": [f"sg-{b:013x}{g - 1:04x}"] if g else [],
                    "self": False, "to_port": 443}
            deps = [f"aws_vpc.v{b}"] + ([f"aws_security_group.g{b}_{g - 1}"] if g else [])
            add("aws_security_group", f"g{b}_{g}", sg,
                {"description": f"tier {g}", "ingress": [rule], "name": f"{name}-{b}-{g}",
                 "tags": dict(tags), "vpc_id": vpc},
                {**arn("security-group", sg), "owner_id": account}, deps)
    return {"format_version": 1, "lineage": str(uuid.uuid4()), "serial": 1,
            "cairn_version": "bench", "resources": out, "pending": [], "outputs": {}}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", type=int)
    p.add_argument("dir")
    p.add_argument("--terraform")
    p.add_argument("--name", default="bench")
    p.add_argument("--state", action="store_true")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    with open(os.path.join(a.dir, "stack.toml"), "w") as f:
        f.write(cairn(a.n, a.name))
    if a.terraform:
        os.makedirs(a.terraform, exist_ok=True)
        with open(os.path.join(a.terraform, "main.tf"), "w") as f:
            f.write(terraform(a.n, a.name))
    if a.state:
        os.makedirs(os.path.join(a.dir, ".cairn"), exist_ok=True)
        path = os.path.join(a.dir, ".cairn", "state.json")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump(state(a.n, a.name), f, indent=2)
    print(f"{blocks(a.n) * PER_BLOCK} resources")


if __name__ == "__main__":
    main()
