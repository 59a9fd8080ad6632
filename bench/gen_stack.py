#!/usr/bin/env python3
"""Writes a generated cairn stack of about N resources (and, with --terraform, its Terraform
twin) for the benchmarks: blocks of one VPC with subnets, a route table, associations and
security groups that reference one another, the shape of a real network layer.

usage: gen_stack.py N DIR [--terraform TFDIR] [--name NAME]
"""

import argparse
import os

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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", type=int)
    p.add_argument("dir")
    p.add_argument("--terraform")
    p.add_argument("--name", default="bench")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    with open(os.path.join(a.dir, "stack.toml"), "w") as f:
        f.write(cairn(a.n, a.name))
    if a.terraform:
        os.makedirs(a.terraform, exist_ok=True)
        with open(os.path.join(a.terraform, "main.tf"), "w") as f:
            f.write(terraform(a.n, a.name))
    print(f"{blocks(a.n) * PER_BLOCK} resources")


if __name__ == "__main__":
    main()
